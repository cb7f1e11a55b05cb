/** The hub's signing keys in PostgreSQL (`signing_keys`): rows only; keys are made and used by hub/signing/. */
import { asc, eq } from 'drizzle-orm';
import type { Db } from './db.js';
import { signingKeys } from './schema.js';
import type { SigningKeyRepository, SigningKeyRow, SigningKeyState } from './types.js';

/**
 * {@link SigningKeyRepository} on drizzle.
 *
 * @example
 * await repo.add({ publicKey, state: 'current', privateKey: pem, endorsedBy: null, endorsement: null });
 * await repo.promote(); // false: no next key
 */
export class DrizzleSigningKeyRepository implements SigningKeyRepository {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  async all(): Promise<SigningKeyRow[]> {
    const rows = await this.db.select().from(signingKeys).orderBy(asc(signingKeys.createdAt));
    return rows.map((r) => ({
      publicKey: r.publicKey,
      state: r.state as SigningKeyState,
      privateKey: r.privateKey,
      endorsedBy: r.endorsedBy,
      endorsement: r.endorsement,
      createdAt: r.createdAt.toISOString(),
    }));
  }

  async add(row: Omit<SigningKeyRow, 'createdAt'>): Promise<boolean> {
    const inserted = await this.db
      .insert(signingKeys)
      .values({ ...row, createdAt: new Date(this.now()) })
      .onConflictDoNothing()
      .returning({ publicKey: signingKeys.publicKey });
    return inserted.length > 0;
  }

  async promote(): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const next = await tx
        .select({ publicKey: signingKeys.publicKey })
        .from(signingKeys)
        .where(eq(signingKeys.state, 'next'))
        .for('update');
      if (next.length === 0) return false;
      await tx
        .update(signingKeys)
        .set({ state: 'retired', privateKey: null })
        .where(eq(signingKeys.state, 'current'));
      await tx.update(signingKeys).set({ state: 'current' }).where(eq(signingKeys.state, 'next'));
      return true;
    });
  }
}
