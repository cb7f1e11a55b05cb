/** Axis ticks for counts: whole numbers, each one different, at steps people read easily. */

/**
 * Ticks from 0 up to a top that covers `max` (at least 1), at a step of 1, 2
 * or 5 × 10ⁿ chosen so there are at most about `count` intervals. Counts are
 * whole, so the step is never below 1: a small maximum gets one tick per unit.
 *
 * @example countTicks(1) // [0, 1]
 * @example countTicks(7) // [0, 2, 4, 6, 8]
 */
export function countTicks(max: number, count = 4): number[] {
  const top = Math.max(1, Math.ceil(max));
  const rough = top / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power);
  const ticks: number[] = [];
  for (let t = 0; t < top + step; t += step) ticks.push(t);
  return ticks;
}
