/** Bearer-token authentication: every API route needs a live token except the few declared public. */
import type { MiddlewareHandler } from 'hono';
import { TernError } from '../../protocol/errors.js';
import type { TokenRepository } from '../store/types.js';
import type { TokenRevocations } from './revocations.js';
import type { ApiEnv } from './route.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Checks `Authorization: Bearer <token>` against the token store and leaves
 * the token's info on the context, with `onRevoked` to hear of its
 * revocation. Missing, malformed, unknown and revoked tokens all answer 401
 * (the message says which, the token is never echoed).
 *
 * @example app.get('/api/v1/flows', bearerAuth(storage.tokens, revocations), handler)
 */
export function bearerAuth(
  tokens: TokenRepository,
  revocations: TokenRevocations,
): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) {
      c.header('WWW-Authenticate', 'Bearer');
      throw new TernError('UNAUTHORIZED', 'missing bearer token: send Authorization: Bearer <token>');
    }
    const token = BEARER.exec(header)?.[1];
    const info = token ? await tokens.verify(token) : undefined;
    if (!info) {
      c.header('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw new TernError(
        'UNAUTHORIZED',
        token ? 'invalid or revoked token' : 'malformed Authorization header',
      );
    }
    c.set('token', info);
    // A revocation between this check and a stream's own watch (body reading, a snapshot read) is not missed.
    let revoked = false;
    const stopWatching = revocations.watch(info.id, () => {
      revoked = true;
    });
    c.set('onRevoked', (listener) => {
      if (!revoked) return revocations.watch(info.id, listener);
      listener();
      return () => {};
    });
    try {
      await next();
    } finally {
      stopWatching();
    }
  };
}
