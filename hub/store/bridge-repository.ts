/** The Kafka bridge's durable queue (`bridge_queue`) and dead letters (`bridge_dead_letters`) in PostgreSQL. */
import { asc, count, gt, inArray, lt, min, type SQL, sql } from 'drizzle-orm';
import { type Db, resultRows } from './db.js';
import { decodeCursor, encodeCursor, pageLimit, toPage } from './paging.js';
import { bridgeDeadLetters, bridgeQueue } from './schema.js';
import type {
  BridgeDeadLetter,
  BridgeRecord,
  BridgeRepository,
  Page,
  PageRequest,
  QueuedBridgeRecord,
} from './types.js';

/** Rows per insert statement, well under PostgreSQL's 65,535 bound parameters. */
const INSERT_CHUNK = 1000;

/**
 * {@link BridgeRepository} on drizzle. Records keep the id they were queued
 * with, in the dead letters too, so a requeued record goes back to its place.
 *
 * @example
 * await repo.enqueue([{ route: 'executions', topic: 'tern.executions', key, value, headers: {} }]);
 * const batch = await repo.next(500);
 * await repo.delivered(batch.map((r) => r.id));
 */
export class DrizzleBridgeRepository implements BridgeRepository {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  async enqueue(records: readonly BridgeRecord[]): Promise<void> {
    if (records.length === 0) return;
    const createdAt = new Date(this.now());
    const rows = records.map((r) => ({ ...r, createdAt }));
    await this.db.transaction(async (tx) => {
      for (let i = 0; i < rows.length; i += INSERT_CHUNK)
        await tx.insert(bridgeQueue).values(rows.slice(i, i + INSERT_CHUNK));
    });
  }

  async next(limit: number): Promise<QueuedBridgeRecord[]> {
    const rows = await this.db.select().from(bridgeQueue).orderBy(asc(bridgeQueue.id)).limit(limit);
    return rows.map((row) => ({
      id: row.id,
      route: row.route,
      topic: row.topic,
      key: row.key,
      value: row.value,
      headers: row.headers as Record<string, string>,
      createdAt: row.createdAt.toISOString(),
      attempts: row.attempts,
      lastError: row.lastError,
    }));
  }

  async delivered(ids: readonly number[]): Promise<void> {
    if (ids.length > 0) await this.db.delete(bridgeQueue).where(inArray(bridgeQueue.id, [...ids]));
  }

  async refused(ids: readonly number[], error: string): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .update(bridgeQueue)
      .set({ attempts: sql`${bridgeQueue.attempts} + 1`, lastError: error })
      .where(inArray(bridgeQueue.id, [...ids]));
  }

  async deadLetter(ids: readonly number[], error: string): Promise<number> {
    if (ids.length === 0) return 0;
    return this.move(inArray(bridgeQueue.id, [...ids]), error);
  }

  async expire(cutoff: Date, error: string): Promise<number> {
    return this.move(lt(bridgeQueue.createdAt, cutoff), error);
  }

  async lag(): Promise<{ queued: number; oldestCreatedAt: string | null }> {
    const [row] = await this.db
      .select({ queued: count(), oldest: min(bridgeQueue.createdAt) })
      .from(bridgeQueue);
    const oldest = row?.oldest ?? null;
    return {
      queued: row?.queued ?? 0,
      oldestCreatedAt: oldest === null ? null : new Date(oldest).toISOString(),
    };
  }

  async deadLetters(page: PageRequest): Promise<Page<BridgeDeadLetter>> {
    const limit = pageLimit(page.limit);
    const after = page.cursor ? decodeCursor('deadLetters', page.cursor, ['number'] as const)[0] : 0;
    const rows = await this.db
      .select()
      .from(bridgeDeadLetters)
      .where(gt(bridgeDeadLetters.id, after))
      .orderBy(asc(bridgeDeadLetters.id))
      .limit(limit + 1);
    return toPage(
      rows,
      limit,
      (row) => ({
        id: row.id,
        route: row.route,
        topic: row.topic,
        key: row.key,
        value: row.value,
        headers: row.headers as Record<string, string>,
        createdAt: row.createdAt.toISOString(),
        attempts: row.attempts,
        error: row.error,
        failedAt: row.failedAt.toISOString(),
      }),
      (row) => encodeCursor('deadLetters', [row.id]),
    );
  }

  async countDeadLetters(): Promise<number> {
    const [row] = await this.db.select({ n: count() }).from(bridgeDeadLetters);
    return row?.n ?? 0;
  }

  async requeue(ids?: readonly number[]): Promise<number> {
    if (ids?.length === 0) return 0;
    const where = ids
      ? sql`where id in (${sql.join(
          ids.map((id) => sql`${id}`),
          sql`, `,
        )})`
      : sql``;
    const result = await this.db.execute(sql`
      with moved as (delete from bridge_dead_letters ${where} returning *)
      insert into bridge_queue (id, route, topic, key, value, headers, created_at, attempts, last_error)
      select id, route, topic, key, value, headers, created_at, 0, error from moved
      returning id`);
    return resultRows(result).length;
  }

  /** Moves the queued records matching `where` to the dead letters, in one statement. */
  private async move(where: SQL | undefined, error: string): Promise<number> {
    const result = await this.db.execute(sql`
      with moved as (delete from bridge_queue where ${where} returning *)
      insert into bridge_dead_letters (id, route, topic, key, value, headers, created_at, attempts, error, failed_at)
      select id, route, topic, key, value, headers, created_at, attempts,
        ${error} || coalesce(' (last error: ' || last_error || ')', ''), ${new Date(this.now()).toISOString()}
      from moved
      returning id`);
    return resultRows(result).length;
  }
}
