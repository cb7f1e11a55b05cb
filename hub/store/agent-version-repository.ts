/** Agent bundles in PostgreSQL (`agent_versions`): the archive's bytes and digest, one row a version. */
import { desc, eq } from 'drizzle-orm';
import type { Db } from './db.js';
import { agentVersions } from './schema.js';
import type { AgentVersionRepository, AgentVersionRow } from './types.js';

const columns = {
  version: agentVersions.version,
  sha256: agentVersions.sha256,
  size: agentVersions.size,
  createdAt: agentVersions.createdAt,
};

/**
 * {@link AgentVersionRepository} on drizzle. Lists and lookups leave the bytes in the database.
 *
 * @example
 * await repo.add({ version: '1.2.0', sha256, size }, archive); // false if 1.2.0 exists
 */
export class DrizzleAgentVersionRepository implements AgentVersionRepository {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  async add(row: Omit<AgentVersionRow, 'createdAt'>, content: Buffer): Promise<boolean> {
    const inserted = await this.db
      .insert(agentVersions)
      .values({ ...row, content, createdAt: new Date(this.now()) })
      .onConflictDoNothing()
      .returning({ version: agentVersions.version });
    return inserted.length > 0;
  }

  async get(version: string): Promise<AgentVersionRow | undefined> {
    const [row] = await this.db.select(columns).from(agentVersions).where(eq(agentVersions.version, version));
    return row && toRow(row);
  }

  async content(version: string): Promise<Buffer | undefined> {
    const [row] = await this.db
      .select({ content: agentVersions.content })
      .from(agentVersions)
      .where(eq(agentVersions.version, version));
    return row?.content;
  }

  async list(): Promise<AgentVersionRow[]> {
    const rows = await this.db.select(columns).from(agentVersions).orderBy(desc(agentVersions.createdAt));
    return rows.map(toRow);
  }

  async delete(version: string): Promise<boolean> {
    const deleted = await this.db
      .delete(agentVersions)
      .where(eq(agentVersions.version, version))
      .returning({ version: agentVersions.version });
    return deleted.length > 0;
  }
}

function toRow(r: { version: string; sha256: string; size: number; createdAt: Date }): AgentVersionRow {
  return { ...r, createdAt: r.createdAt.toISOString() };
}
