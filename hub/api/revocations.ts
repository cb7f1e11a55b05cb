/** Token revocations, told to the requests still open under the revoked token (event streams, waits). */
import type { Context } from 'hono';
import { TernError } from '../../protocol/errors.js';
import type { ApiEnv } from './route.js';

/** What a long-lived request registers: called once when its token is revoked. */
export type RevokedListener = () => void;

/**
 * The open requests of each token, by token id. A revocation calls every
 * listener of that token at once, so a stream authenticated by it ends now
 * rather than at its next request, which for `/events` may never come.
 *
 * Hub replicas on one database tell each other (`tell`, and
 * {@link revokedElsewhere} on the others), so a revocation through any
 * replica ends the token's streams on all of them.
 *
 * @example
 * const stop = revocations.watch(token.id, () => stream.abort());
 * // … when the stream ends on its own:
 * stop();
 */
export class TokenRevocations {
  private readonly listeners = new Map<string, Set<RevokedListener>>();

  /** @param tell told of each revocation made here, for the other hub replicas. */
  constructor(private readonly tell?: (tokenId: string) => void) {}

  /** Calls `listener` when the token `tokenId` is revoked; returns the function that stops watching. */
  watch(tokenId: string, listener: RevokedListener): () => void {
    let set = this.listeners.get(tokenId);
    if (!set) {
      set = new Set();
      this.listeners.set(tokenId, set);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(tokenId);
      current?.delete(listener);
      if (current?.size === 0) this.listeners.delete(tokenId);
    };
  }

  /** Tells every open request of `tokenId` that it was revoked, here and on the other replicas; returns how many were here. */
  revoked(tokenId: string): number {
    this.tell?.(tokenId);
    return this.revokedElsewhere(tokenId);
  }

  /** Another replica revoked `tokenId`: its open requests here end; returns how many there were. */
  revokedElsewhere(tokenId: string): number {
    const set = this.listeners.get(tokenId);
    if (!set) return 0;
    this.listeners.delete(tokenId);
    for (const listener of set) {
      try {
        listener();
      } catch {
        // One request failing to close must not keep the others open.
      }
    }
    return set.size;
  }

  /** How many requests are watched, over every token (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }
}

/**
 * `work`'s result, or an UNAUTHORIZED error as soon as the caller's token is
 * revoked. The work itself goes on: only the answer is refused.
 *
 * @example execution = await unlessRevoked(c, executions.wait(execution.id));
 */
export async function unlessRevoked<T>(c: Context<ApiEnv>, work: Promise<T>): Promise<T> {
  let stopWatching = () => {};
  const revoked = new Promise<never>((_, reject) => {
    stopWatching = c.get('onRevoked')(() =>
      reject(new TernError('UNAUTHORIZED', 'the token was revoked while this request waited')),
    );
  });
  try {
    return await Promise.race([work, revoked]);
  } finally {
    stopWatching();
  }
}
