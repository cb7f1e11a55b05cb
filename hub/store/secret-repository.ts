/** The hub's encrypted secrets in PostgreSQL (`secrets`): rows only; encryption is hub/secrets/'s. */
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from './db.js';
import { secrets } from './schema.js';
import type { SecretRepository, SecretRow } from './types.js';

/**
 * {@link SecretRepository} on drizzle.
 *
 * @example
 * await repo.put('plant1', 'API_KEY', 'v1:…');
 * (await repo.all()).map((r) => r.name); // ['API_KEY']
 */
export class DrizzleSecretRepository implements SecretRepository {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  async all(): Promise<SecretRow[]> {
    const rows = await this.db.select().from(secrets).orderBy(asc(secrets.namespace), asc(secrets.name));
    return rows.map(toRow);
  }

  async put(namespace: string, name: string, ciphertext: string): Promise<SecretRow> {
    const updatedAt = new Date(this.now());
    const [row] = await this.db
      .insert(secrets)
      .values({ namespace, name, ciphertext, updatedAt })
      .onConflictDoUpdate({ target: [secrets.namespace, secrets.name], set: { ciphertext, updatedAt } })
      .returning();
    return toRow(row!);
  }

  async delete(namespace: string, name: string): Promise<boolean> {
    const rows = await this.db
      .delete(secrets)
      .where(and(eq(secrets.namespace, namespace), eq(secrets.name, name)))
      .returning({ name: secrets.name });
    return rows.length > 0;
  }
}

function toRow(row: typeof secrets.$inferSelect): SecretRow {
  return {
    namespace: row.namespace,
    name: row.name,
    ciphertext: row.ciphertext,
    updatedAt: row.updatedAt.toISOString(),
  };
}
