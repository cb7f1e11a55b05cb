/** Flows and their full revision history; a delete is a revision that marks the flow deleted. */
import { and, asc, eq, type SQL, sql } from 'drizzle-orm';
import type { Flow } from '../../protocol/flow.js';
import type { Db } from './db.js';
import { containsText, inNamespace } from './filters.js';
import { decodeCursor, encodeCursor, pageLimit, toPage } from './paging.js';
import { flowRevisions, flows } from './schema.js';
import type {
  FlowFilter,
  FlowRecordRow,
  FlowRepository,
  FlowRevisionRow,
  Page,
  SaveFlowResult,
} from './types.js';

/** First key of the advisory locks taken on a flow while its revisions change. */
const FLOW_LOCK_CLASS = 0x666c6f77; // 'flow'

/**
 * {@link FlowRepository} on drizzle. Changes to one flow are serialised with a
 * transaction-scoped advisory lock on its namespace and id, so two saves of the
 * same new flow cannot both claim revision 1.
 */
export class DrizzleFlowRepository implements FlowRepository {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  /** Flows sorted by namespace then id, keyset-paginated; deleted ones only with `includeDeleted`. */
  async list(filter: FlowFilter): Promise<Page<FlowRecordRow>> {
    const limit = pageLimit(filter.limit);
    const where: (SQL | undefined)[] = [];
    if (filter.namespace !== undefined) where.push(inNamespace(flows.namespace, filter.namespace));
    if (filter.q !== undefined && filter.q !== '') {
      where.push(containsText([flows.id, flows.namespace, sql`${flows.flow}->>'description'`], filter.q));
    }
    if (!filter.includeDeleted) where.push(eq(flows.deleted, false));
    if (filter.cursor !== undefined) {
      const [namespace, id] = decodeCursor('flows', filter.cursor, ['string', 'string']);
      where.push(sql`(${flows.namespace}, ${flows.id}) > (${namespace}, ${id})`);
    }
    const rows = await this.db
      .select()
      .from(flows)
      .where(and(...where))
      .orderBy(asc(flows.namespace), asc(flows.id))
      .limit(limit + 1);
    return toPage(rows, limit, toRecord, (r) => encodeCursor('flows', [r.namespace, r.id]));
  }

  async get(
    namespace: string,
    id: string,
    options: { includeDeleted?: boolean } = {},
  ): Promise<FlowRecordRow | undefined> {
    const [row] = await this.db.select().from(flows).where(byFlow(namespace, id));
    if (!row || (row.deleted && !options.includeDeleted)) return undefined;
    return toRecord(row);
  }

  async getRevision(namespace: string, id: string, revision: number): Promise<FlowRevisionRow | undefined> {
    const [row] = await this.db
      .select()
      .from(flowRevisions)
      .where(
        and(
          eq(flowRevisions.namespace, namespace),
          eq(flowRevisions.id, id),
          eq(flowRevisions.revision, revision),
        ),
      );
    return row && toRevision(row);
  }

  /** Every revision, oldest first, deletions included. */
  async revisions(namespace: string, id: string): Promise<FlowRevisionRow[]> {
    const rows = await this.db
      .select()
      .from(flowRevisions)
      .where(and(eq(flowRevisions.namespace, namespace), eq(flowRevisions.id, id)))
      .orderBy(asc(flowRevisions.revision));
    return rows.map(toRevision);
  }

  /**
   * Stores `source` as a new revision unless it is the live latest one,
   * character for character. The stored flow carries its revision number.
   */
  save(flow: Flow, source: string): Promise<SaveFlowResult> {
    const { namespace, id } = flow;
    return this.db.transaction(async (tx) => {
      await lockFlow(tx, namespace, id);
      const [current] = await tx.select().from(flows).where(byFlow(namespace, id));
      if (current && !current.deleted && current.source === source) {
        return { row: toRecord(current), outcome: 'unchanged' };
      }
      const now = new Date(this.now());
      const revision = (current?.revision ?? 0) + 1;
      const outcome = current && !current.deleted ? 'updated' : 'created';
      const stored = { ...flow, revision };
      await tx
        .insert(flowRevisions)
        .values({ namespace, id, revision, source, flow: stored, createdAt: now });
      const createdAt = outcome === 'updated' && current ? current.createdAt : now;
      const values = {
        namespace,
        id,
        revision,
        source,
        flow: stored,
        deleted: false,
        createdAt,
        updatedAt: now,
      };
      const [row] = await tx
        .insert(flows)
        .values(values)
        .onConflictDoUpdate({ target: [flows.namespace, flows.id], set: values })
        .returning();
      return { row: toRecord(row!), outcome };
    });
  }

  /** Soft delete: a new revision marked deleted, with the last source and flow; history stays. */
  delete(namespace: string, id: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await lockFlow(tx, namespace, id);
      const [current] = await tx.select().from(flows).where(byFlow(namespace, id));
      if (!current || current.deleted) return false;
      const now = new Date(this.now());
      const revision = current.revision + 1;
      const flow = { ...(current.flow as Flow), revision };
      const source = current.source;
      await tx
        .insert(flowRevisions)
        .values({ namespace, id, revision, source, flow, deleted: true, createdAt: now });
      await tx
        .update(flows)
        .set({ revision, flow, deleted: true, updatedAt: now })
        .where(byFlow(namespace, id));
      return true;
    });
  }
}

function byFlow(namespace: string, id: string): SQL | undefined {
  return and(eq(flows.namespace, namespace), eq(flows.id, id));
}

async function lockFlow(tx: Db, namespace: string, id: string): Promise<void> {
  await tx.execute(
    sql`SELECT pg_advisory_xact_lock(${FLOW_LOCK_CLASS}::int, hashtext(${`${namespace}/${id}`}))`,
  );
}

function toRecord(row: typeof flows.$inferSelect): FlowRecordRow {
  return {
    namespace: row.namespace,
    id: row.id,
    revision: row.revision,
    source: row.source,
    flow: row.flow as Flow,
    deleted: row.deleted,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function toRevision(row: typeof flowRevisions.$inferSelect): FlowRevisionRow {
  return {
    namespace: row.namespace,
    id: row.id,
    revision: row.revision,
    source: row.source,
    deleted: row.deleted,
    createdAt: row.createdAt.toISOString(),
  };
}
