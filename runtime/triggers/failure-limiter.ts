/** Failed webhook calls counted per client address: an address that fails too often waits before it may call again. */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

export interface FailureLimits {
  /** Failures an address may have within one window before it must wait. */
  failures: number;
  /** Length of the window that starts at an address's first failure. */
  windowMs: number;
  /** Addresses remembered at once; past it the oldest are forgotten, so memory stays bounded. */
  maxAddresses: number;
}

/** 20 failed webhook calls a minute per address: plenty for a misconfigured client, too few to guess a key. */
export const WEBHOOK_FAILURE_LIMITS: FailureLimits = { failures: 20, windowMs: 60_000, maxAddresses: 10_000 };

interface Window {
  start: number;
  failures: number;
}

/**
 * Counts failures per address in fixed windows. Only failures count: an
 * address whose calls succeed is never held back. Once an address has used up
 * its failures, every call from it waits until its window ends, successful or
 * not, since answering a right key would let it go on guessing.
 *
 * @example
 * const limiter = new FailureLimiter();
 * const wait = limiter.retryAfterSeconds(address); // 0: go ahead
 * if (reply.status === 404) limiter.recordFailure(address);
 */
export class FailureLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limits: FailureLimits = WEBHOOK_FAILURE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whole seconds until `address` may call again; 0 when it may call now. */
  retryAfterSeconds(address: string): number {
    const window = this.current(addressKey(address));
    if (!window || window.failures < this.limits.failures) return 0;
    return Math.max(1, Math.ceil((window.start + this.limits.windowMs - this.now()) / 1000));
  }

  /** Counts one failed call of `address`. */
  recordFailure(address: string): void {
    const key = addressKey(address);
    const window = this.current(key);
    if (window) {
      window.failures++;
      return;
    }
    if (this.windows.size >= this.limits.maxAddresses) this.forgetOldest();
    this.windows.set(key, { start: this.now(), failures: 1 });
  }

  /** The window of `key` if it has not ended; an ended one is dropped. */
  private current(key: string): Window | undefined {
    const window = this.windows.get(key);
    if (window && this.now() - window.start >= this.limits.windowMs) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  /** Drops ended windows, then (if still full) the oldest ones: a map keeps insertion order. */
  private forgetOldest(): void {
    const now = this.now();
    for (const [key, window] of this.windows) {
      if (now - window.start >= this.limits.windowMs) this.windows.delete(key);
    }
    for (const key of this.windows.keys()) {
      if (this.windows.size < this.limits.maxAddresses) break;
      this.windows.delete(key);
    }
  }
}

/**
 * The key an address is counted under: an IPv4 address as it is, an IPv6
 * address by its /64 network (one host usually holds the whole /64, so
 * counting single addresses would give it billions of tries).
 *
 * @example addressKey('2001:db8:1:2:a:b:c:d') // '2001:db8:1:2::/64'
 * @example addressKey('::ffff:192.0.2.7') // '192.0.2.7'
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail] = address.split('%')[0]!.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g || '0', 16).toString(16))
    .join(':')}::/64`;
}

/** The calling peer's address as the socket has it; `unknown` when the request did not come through a socket. */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
