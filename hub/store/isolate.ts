/** A write the database refused, retried in halves until only the records it refuses are left. */
import { isRecordRefusal } from './db-errors.js';

/**
 * A transient failure stopped {@link isolateRefused}: the first `written` items are stored (or handled),
 * the rest are not.
 */
export class WriteInterrupted extends Error {
  constructor(
    override readonly cause: unknown,
    readonly written: number,
  ) {
    super('a write was interrupted while isolating a refused record', { cause });
  }
}

/**
 * `items` failed as one write with `error`, a refusal of the data ({@link isRecordRefusal}): writes them
 * again in halves, in order, each half in its own `write`, until every item is stored except those the
 * database refuses alone; each of those goes to `refused`, which stores something in its place. A
 * refusal costs about two writes per halving, so one bad record among 500 costs some 18 writes, not 500.
 * Any other failure stops with {@link WriteInterrupted}, saying how many items were handled.
 */
export async function isolateRefused<T>(
  items: readonly T[],
  error: unknown,
  write: (slice: readonly T[]) => Promise<void>,
  refused: (item: T, error: unknown) => Promise<void>,
): Promise<void> {
  const attempt = async (lo: number, work: () => Promise<void>): Promise<unknown> => {
    try {
      await work();
      return undefined;
    } catch (failure) {
      if (failure instanceof WriteInterrupted) throw failure;
      if (!isRecordRefusal(failure)) throw new WriteInterrupted(failure, lo);
      return failure;
    }
  };
  const split = async (lo: number, hi: number, failure: unknown): Promise<void> => {
    if (hi - lo === 1) {
      const again = await attempt(lo, () => refused(items[lo]!, failure));
      if (again !== undefined) throw again;
      return;
    }
    const mid = (lo + hi) >>> 1;
    for (const [from, to] of [
      [lo, mid],
      [mid, hi],
    ] as const) {
      const failed = await attempt(from, () => write(items.slice(from, to)));
      if (failed !== undefined) await split(from, to, failed);
    }
  };
  if (items.length > 0) await split(0, items.length, error);
}
