/** `tern rollouts start` flags as rollout options. */
import { describe, expect, it } from 'vitest';
import { startOptions } from './rollouts.js';

describe('startOptions', () => {
  it('reads counts, percentages, labels, the pause and rollback on failure', () => {
    expect(startOptions({ canary: '2', waves: '25%', pause: 'APPROVAL', rollbackOnFailure: true })).toEqual({
      canary: { count: 2 },
      waves: { percent: 25 },
      pause: 'APPROVAL',
      onFailure: 'ROLLBACK',
    });
    expect(startOptions({ failureWindow: 'PT5S' })).toEqual({
      gates: { failureRate: { max: 0.2, window: 'PT5S' } },
    });
    expect(startOptions({ canary: 'ring=canary,site=a' })).toEqual({
      canary: { labels: { ring: 'canary', site: 'a' } },
    });
  });

  it('gives no options when no flag shapes the rollout, and refuses a count that is not one', () => {
    expect(startOptions({ revision: '3' })).toBeUndefined();
    expect(() => startOptions({ waves: 'many' })).toThrow(/--waves: 'many'/);
    expect(() => startOptions({ canary: '1.5' })).toThrow(/--canary/);
    expect(() => startOptions({ maxFailureRate: '5' })).toThrow(/--max-failure-rate: '5'/);
  });
});
