/** Which `rollouts` routes a rollout's record goes to. */
import { describe, expect, it } from 'vitest';
import type { Rollout } from '../store/rollout-records.js';
import type { BridgeRoute } from './config.js';
import { rolloutRecord } from './records.js';

const route = (filter: Partial<BridgeRoute>): BridgeRoute => ({
  name: 'r',
  from: 'rollouts',
  topic: 'tern.rollouts',
  ...filter,
});

const set: Rollout = {
  id: 'set-1',
  kind: 'flows',
  namespace: '',
  flowId: '',
  revision: 0,
  baseRevision: 0,
  previousRevision: null,
  flows: [
    { namespace: 'plant.a', flowId: 'collect', revision: 2, baseRevision: 2, previousRevision: 1 },
    { namespace: 'plant.b', flowId: 'upload', revision: 5, baseRevision: 5, previousRevision: 4 },
  ],
  status: 'RUNNING',
  stage: 0,
  stages: [],
  agents: {},
  options: {},
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

describe('rolloutRecord', () => {
  it('sends a set rollout to the routes of any of its flows, and to no other', () => {
    expect(String(rolloutRecord(route({}), set)?.key)).toBe('set-1');
    expect(rolloutRecord(route({ namespace: 'plant.b' }), set)).toBeDefined();
    expect(rolloutRecord(route({ namespace: 'plant', flowId: 'collect' }), set)).toBeDefined();
    expect(rolloutRecord(route({ namespace: 'plant.b', flowId: 'collect' }), set)).toBeUndefined();
    expect(rolloutRecord(route({ namespace: 'office' }), set)).toBeUndefined();
  });
});
