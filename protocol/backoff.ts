/** Reconnect and retry delays: exponential, capped, with full jitter. */

/**
 * Delay before reconnect attempt `attempt` (0 for the first): exponential
 * growth capped at `maxMs`, with full jitter (uniform below the cap) so that a
 * fleet that lost its hub at once does not come back at once, and never below
 * `minMs`.
 *
 * @example backoffDelay(3, { minMs: 500, maxMs: 30_000 }) // between 500 and 4000
 */
export function backoffDelay(
  attempt: number,
  limits: { minMs: number; maxMs: number },
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(limits.maxMs, limits.minMs * 2 ** Math.min(attempt, 30));
  return Math.max(limits.minMs, Math.round(random() * ceiling));
}
