/** The dashboard chart's count axis: distinct whole-number ticks from 0 that cover the highest bar. */
import { describe, expect, it } from 'vitest';
import { countTicks } from '../../ui/src/ticks.js';

describe('count axis ticks', () => {
  it('gives one tick per unit for small maxima, never the same number twice', () => {
    expect(countTicks(0)).toEqual([0, 1]);
    expect(countTicks(1)).toEqual([0, 1]);
    expect(countTicks(2)).toEqual([0, 1, 2]);
    expect(countTicks(3)).toEqual([0, 1, 2, 3]);
    expect(countTicks(4)).toEqual([0, 1, 2, 3, 4]);
  });

  it('steps by 1, 2 or 5 × 10ⁿ above, up to a top that covers the maximum', () => {
    expect(countTicks(7)).toEqual([0, 2, 4, 6, 8]);
    expect(countTicks(13)).toEqual([0, 5, 10, 15]);
    expect(countTicks(100)).toEqual([0, 50, 100]);
    expect(countTicks(1234)).toEqual([0, 500, 1000, 1500]);
  });

  it('covers every maximum up to 10,000 with at most 6 distinct whole ticks', () => {
    for (let max = 0; max <= 10_000; max++) {
      const ticks = countTicks(max);
      expect(ticks[0]).toBe(0);
      expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(max);
      expect(ticks.length).toBeLessThanOrEqual(6);
      expect(new Set(ticks).size).toBe(ticks.length);
      expect(ticks.every(Number.isInteger)).toBe(true);
    }
  });
});
