/** The hub's rollouts in PostgreSQL (`rollouts`): the whole record as jsonb, newest first in lists. */
import { and, desc, eq, lt, type SQL, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { decodeCursor, encodeCursor, pageLimit, toPage } from './paging.js';
import type { Rollout } from './rollout-records.js';
import { rollouts } from './schema.js';
import type { Page, RolloutFilter, RolloutRepository } from './types.js';

/**
 * {@link RolloutRepository} on drizzle. Ids are `newId`s, so the id order is the creation order.
 *
 * @example
 * await repo.save(rollout);
 * const latest = await repo.latest('plant', 'report');
 */
export class DrizzleRolloutRepository implements RolloutRepository {
  constructor(private readonly db: Db) {}

  async save(rollout: Rollout): Promise<void> {
    const row = {
      id: rollout.id,
      namespace: rollout.namespace,
      flowId: rollout.flowId,
      status: rollout.status,
      doc: rollout,
      createdAt: new Date(rollout.createdAt),
    };
    await this.db
      .insert(rollouts)
      .values(row)
      .onConflictDoUpdate({ target: rollouts.id, set: { status: row.status, doc: row.doc } });
  }

  async get(id: string): Promise<Rollout | undefined> {
    const [row] = await this.db.select({ doc: rollouts.doc }).from(rollouts).where(eq(rollouts.id, id));
    return row?.doc as Rollout | undefined;
  }

  async list(filter: RolloutFilter): Promise<Page<Rollout>> {
    const limit = pageLimit(filter.limit);
    const where: SQL[] = [];
    if (filter.namespace !== undefined) where.push(eq(rollouts.namespace, filter.namespace));
    if (filter.flowId !== undefined) where.push(eq(rollouts.flowId, filter.flowId));
    if (filter.status !== undefined) where.push(eq(rollouts.status, filter.status));
    if (filter.cursor !== undefined) {
      const [id] = decodeCursor('rollouts', filter.cursor, ['string']);
      where.push(lt(rollouts.id, id));
    }
    const rows = await this.db
      .select({ id: rollouts.id, doc: rollouts.doc })
      .from(rollouts)
      .where(and(...where))
      .orderBy(desc(rollouts.id))
      .limit(limit + 1);
    return toPage(
      rows,
      limit,
      (r) => r.doc as Rollout,
      (r) => encodeCursor('rollouts', [r.id]),
    );
  }

  async latestPerFlow(): Promise<Rollout[]> {
    // Agent version and label rollouts keep empty `namespace` and `flow_id`: told apart by their kind.
    const kind = sql`coalesce(${rollouts.doc}->>'kind', 'flow')`;
    const latest = await this.db
      .selectDistinctOn([rollouts.namespace, rollouts.flowId, kind], { doc: rollouts.doc })
      .from(rollouts)
      .where(sql`${kind} <> 'flows'`)
      .orderBy(rollouts.namespace, rollouts.flowId, kind, sql`${rollouts.id} desc`);
    const sets = await this.db
      .select({ doc: rollouts.doc })
      .from(rollouts)
      .where(sql`${kind} = 'flows'`)
      .orderBy(rollouts.id);
    return [...latest, ...sets].map((r) => r.doc as Rollout);
  }
}
