/** API bearer tokens, stored as SHA-256 hashes. */
import { and, asc, count, eq, isNull } from 'drizzle-orm';
import { TernError } from '../../protocol/errors.js';
import { newId } from '../../protocol/ids.js';
import type { Db } from './db.js';
import { apiTokens } from './schema.js';
import { hashToken, newToken, tokenPrefix } from './secrets.js';
import type { AdoptedToken, ApiTokenInfo, RevokeOutcome, TokenRepository } from './types.js';

/** How stale `last_used_at` may get: one write a minute per token at most, not one per request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * {@link TokenRepository} on drizzle. A token is looked up by its hash (the
 * unique index); the secret itself is never stored.
 */
export class DrizzleTokenRepository implements TokenRepository {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  /** Creates a token, random unless `token` is given (an administrator's chosen token); the secret is returned only here. */
  async create(name: string, token: string = newToken()): Promise<{ token: string; info: ApiTokenInfo }> {
    const row = await this.insert(name, token);
    if (!row) throw new TernError('CONFLICT', 'this token already exists');
    return { token, info: toInfo(row) };
  }

  /**
   * Makes sure a chosen token (TERN_ADMIN_TOKEN) is stored: creates it under
   * `name` unless its hash is already there, and answers with the stored
   * token's info either way. Its `revokedAt` says whether it still works; two
   * hubs starting at once on one database store it once.
   */
  async adopt(name: string, token: string): Promise<AdoptedToken> {
    const row = await this.insert(name, token);
    if (row) return { info: toInfo(row), created: true };
    const [stored] = await this.db
      .select()
      .from(apiTokens)
      .where(eq(apiTokens.hash, hashToken(token)));
    if (!stored) throw new TernError('INTERNAL', 'a token was neither stored nor found');
    return { info: toInfo(stored), created: false };
  }

  /** Stores a token's hash; undefined when that hash is already stored. */
  private async insert(name: string, token: string): Promise<typeof apiTokens.$inferSelect | undefined> {
    if (token === '') throw new TernError('BAD_REQUEST', 'a token cannot be empty');
    const [row] = await this.db
      .insert(apiTokens)
      .values({
        id: newId(),
        name,
        prefix: tokenPrefix(token),
        hash: hashToken(token),
        createdAt: new Date(this.now()),
      })
      .onConflictDoNothing({ target: apiTokens.hash })
      .returning();
    return row;
  }

  /** The live token's info, recording its use (at most once a minute); undefined when unknown or revoked. */
  async verify(token: string): Promise<ApiTokenInfo | undefined> {
    const [row] = await this.db
      .select()
      .from(apiTokens)
      .where(and(eq(apiTokens.hash, hashToken(token)), isNull(apiTokens.revokedAt)));
    if (!row) return undefined;
    const now = this.now();
    if (row.lastUsedAt === null || now - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      row.lastUsedAt = new Date(now);
      await this.db.update(apiTokens).set({ lastUsedAt: row.lastUsedAt }).where(eq(apiTokens.id, row.id));
    }
    return toInfo(row);
  }

  /** Every token, revoked ones included, oldest first. */
  async list(): Promise<ApiTokenInfo[]> {
    const rows = await this.db.select().from(apiTokens).orderBy(asc(apiTokens.createdAt), asc(apiTokens.id));
    return rows.map(toInfo);
  }

  /**
   * Revokes a live token, unless it is the last one: a hub without a live
   * token could not be administered any more. Every live token is locked
   * first, so two revocations at once cannot each leave the other's token as
   * the last and both go through.
   */
  async revoke(id: string): Promise<RevokeOutcome> {
    return this.db.transaction(async (tx) => {
      const live = await tx
        .select({ id: apiTokens.id })
        .from(apiTokens)
        .where(isNull(apiTokens.revokedAt))
        // One order for every transaction: two revocations wait for each other rather than deadlock.
        .orderBy(asc(apiTokens.id))
        .for('update');
      if (!live.some((row) => row.id === id)) return 'not-found';
      if (live.length === 1) return 'last-live-token';
      await tx
        .update(apiTokens)
        .set({ revokedAt: new Date(this.now()) })
        .where(eq(apiTokens.id, id));
      return 'revoked';
    });
  }

  /** How many live (not revoked) tokens there are. */
  async count(): Promise<number> {
    const [row] = await this.db.select({ n: count() }).from(apiTokens).where(isNull(apiTokens.revokedAt));
    return row?.n ?? 0;
  }
}

function toInfo(row: typeof apiTokens.$inferSelect): ApiTokenInfo {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}
