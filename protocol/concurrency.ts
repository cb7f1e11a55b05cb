/** Bounded concurrency for task lists and foreach iterations. */

/**
 * Calls `fn` for each item, at most `limit` at a time (0 or less: all at
 * once), in item order. Once `fn` returns true ("stop"), no further item
 * starts; calls already running finish.
 *
 * @example await forEachLimit(tasks, 2, async (t) => isFailure(await run(t)));
 */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<boolean | undefined>,
): Promise<void> {
  if (limit === 1) {
    // The usual case (a sequential task list), without the bookkeeping of running several at once.
    for (let index = 0; index < items.length; index++) if (await fn(items[index]!, index)) return;
    return;
  }
  let next = 0;
  let stopped = false;
  const worker = async () => {
    while (!stopped && next < items.length) {
      const index = next++;
      if (await fn(items[index]!, index)) stopped = true;
    }
  };
  const width = limit <= 0 ? items.length : Math.min(limit, items.length);
  await Promise.all(Array.from({ length: width }, worker));
}
