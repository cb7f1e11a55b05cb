/** The admin token at the hub's start: made at the first start, TERN_ADMIN_TOKEN adopted, a revoked one reported. */
import type { Logger } from '../protocol/logger.js';
import type { TokenRepository } from './store/types.js';

/**
 * Makes sure the hub can be administered. A hub without a live token gets
 * one (`chosen`, TERN_ADMIN_TOKEN, when given and usable, else a random one);
 * a `chosen` token is stored if it is not already. A `chosen` token that was
 * revoked stays refused: the hub starts anyway and logs what to do, never the
 * token itself.
 *
 * @returns the token made at this start, to show once; undefined when none was.
 * @example const shown = await ensureAdminToken(storage.tokens, process.env.TERN_ADMIN_TOKEN, log);
 */
export async function ensureAdminToken(
  tokens: TokenRepository,
  chosen: string | undefined,
  log: Logger,
): Promise<string | undefined> {
  const live = await tokens.count();
  if (chosen !== undefined) {
    const { info, created } = await tokens.adopt(live === 0 ? 'admin' : 'admin (TERN_ADMIN_TOKEN)', chosen);
    if (info.revokedAt === null) return created && live === 0 ? chosen : undefined;
    log.warn(
      { tokenId: info.id, tokenName: info.name, revokedAt: info.revokedAt },
      live > 0
        ? 'TERN_ADMIN_TOKEN is a revoked token and stays refused: use a live token (or create one with POST /api/v1/tokens), and unset TERN_ADMIN_TOKEN or give it a new value'
        : 'TERN_ADMIN_TOKEN is a revoked token and stays refused, and no token is live: a new admin token is made and shown once; unset TERN_ADMIN_TOKEN or give it a new value',
    );
  }
  return live === 0 ? (await tokens.create('admin')).token : undefined;
}
