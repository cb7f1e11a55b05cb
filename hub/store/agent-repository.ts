/** Agents: their labels, status, and broker credentials (stored as SHA-256 hashes). */
import { and, asc, eq, gt, type SQL, sql } from 'drizzle-orm';
import type { TriggerStatus } from '../../protocol/messages.js';
import type { Db } from './db.js';
import { jsonText } from './json.js';
import { decodeCursor, encodeCursor, pageLimit, toPage } from './paging.js';
import { agents } from './schema.js';
import { hashToken, newToken, sameHash } from './secrets.js';
import type { AgentFlowTriggers, AgentRepository, AgentRow, Page, PageRequest } from './types.js';

/** Compared against when an agent is unknown, so that the answer takes as long as for a known one. */
const UNKNOWN_AGENT_HASH = hashToken('');

/** {@link AgentRepository} on drizzle. */
export class DrizzleAgentRepository implements AgentRepository {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  /**
   * Registers an agent with a new broker password, returned only here.
   * Registering a known id rotates its password, replaces its labels and
   * brings it back if it was decommissioned; its history is kept.
   */
  async register(id: string, labels: Record<string, string>): Promise<{ token: string; agent: AgentRow }> {
    const token = newToken();
    const tokenHash = hashToken(token);
    const [row] = await this.db
      .insert(agents)
      .values({ id, labels, tokenHash, createdAt: new Date(this.now()), status: {} })
      .onConflictDoUpdate({ target: agents.id, set: { labels, tokenHash, decommissioned: false } })
      .returning();
    return { token, agent: toAgent(row!) };
  }

  async get(id: string): Promise<AgentRow | undefined> {
    const [row] = await this.db.select().from(agents).where(eq(agents.id, id));
    return row && toAgent(row);
  }

  /** Agents sorted by id, keyset-paginated; with `labels`, only those carrying every pair. */
  async list(filter: PageRequest & { labels?: Record<string, string> }): Promise<Page<AgentRow>> {
    const limit = pageLimit(filter.limit);
    const where: SQL[] = [];
    if (filter.labels !== undefined && Object.keys(filter.labels).length > 0) {
      where.push(sql`${agents.labels} @> ${JSON.stringify(filter.labels)}::jsonb`);
    }
    if (filter.cursor !== undefined) {
      const [id] = decodeCursor('agents', filter.cursor, ['string']);
      where.push(gt(agents.id, id));
    }
    const rows = await this.db
      .select()
      .from(agents)
      .where(and(...where))
      .orderBy(asc(agents.id))
      .limit(limit + 1);
    return toPage(rows, limit, toAgent, (r) => encodeCursor('agents', [r.id]));
  }

  async setLabels(id: string, labels: Record<string, string>): Promise<AgentRow | undefined> {
    const [row] = await this.db.update(agents).set({ labels }).where(eq(agents.id, id)).returning();
    return row && toAgent(row);
  }

  /** Marks the agent decommissioned and forgets its password; true when the agent exists. */
  async decommission(id: string): Promise<boolean> {
    const rows = await this.db
      .update(agents)
      .set({ decommissioned: true, tokenHash: null })
      .where(eq(agents.id, id))
      .returning({ id: agents.id });
    return rows.length > 0;
  }

  /** A new broker password for a live agent, returned only here; undefined when the agent is unknown or decommissioned. */
  async rotateToken(id: string): Promise<string | undefined> {
    const token = newToken();
    const rows = await this.db
      .update(agents)
      .set({ tokenHash: hashToken(token) })
      .where(and(eq(agents.id, id), eq(agents.decommissioned, false)))
      .returning({ id: agents.id });
    return rows.length > 0 ? token : undefined;
  }

  /** True when `token` is the live password of agent `id`; compared in constant time. */
  async verifyCredentials(id: string, token: string): Promise<boolean> {
    const [row] = await this.db
      .select({ tokenHash: agents.tokenHash })
      .from(agents)
      .where(and(eq(agents.id, id), eq(agents.decommissioned, false)));
    const stored = row?.tokenHash ?? null;
    const matches = sameHash(hashToken(token), stored ?? UNKNOWN_AGENT_HASH);
    return stored !== null && matches;
  }

  /** Updates what the agent reported; fields left out keep their value, an unknown agent is ignored. */
  async updateStatus(
    id: string,
    patch: Partial<Pick<AgentRow, 'online' | 'lastSeenAt' | 'version' | 'status'>>,
  ): Promise<void> {
    const set: Partial<typeof agents.$inferInsert> = {};
    if (patch.online !== undefined) set.online = patch.online;
    if (patch.lastSeenAt !== undefined)
      set.lastSeenAt = patch.lastSeenAt === null ? null : new Date(patch.lastSeenAt);
    if (patch.version !== undefined) set.version = patch.version;
    // `commands` is ingest's alone (appended in SQL, by whichever hub replica stores the batch): kept as stored.
    if (patch.status !== undefined)
      set.status = sql`(${jsonText(patch.status)}::jsonb - 'commands') || jsonb_strip_nulls(jsonb_build_object('commands', ${agents.status}->'commands'))`;
    if (Object.keys(set).length === 0) return;
    await this.db.update(agents).set(set).where(eq(agents.id, id));
  }

  /** Found by jsonb containment on `status->'triggers'`, so only the matching agents' rows are read. */
  async flowTriggers(namespace: string, flowId: string): Promise<AgentFlowTriggers[]> {
    const rows = await this.db
      .select({ id: agents.id, online: agents.online, status: agents.status })
      .from(agents)
      .where(
        and(
          eq(agents.decommissioned, false),
          sql`${agents.status}->'triggers' @> ${JSON.stringify([{ namespace, flowId }])}::jsonb`,
        ),
      )
      .orderBy(asc(agents.id));
    return rows.map((row) => ({
      agentId: row.id,
      online: row.online,
      triggers: ((row.status as { triggers?: TriggerStatus[] }).triggers ?? []).filter(
        (t) => t.namespace === namespace && t.flowId === flowId,
      ),
    }));
  }
}

function toAgent(row: typeof agents.$inferSelect): AgentRow {
  return {
    id: row.id,
    labels: row.labels as Record<string, string>,
    createdAt: row.createdAt.toISOString(),
    decommissioned: row.decommissioned,
    online: row.online,
    lastSeenAt: row.lastSeenAt?.toISOString() ?? null,
    version: row.version,
    status: row.status as Record<string, unknown>,
  };
}
