/** A rollout's plan: stages from the options, and which revision each agent runs as the rollout goes. */
import { describe, expect, it } from 'vitest';
import type { Rollout } from '../store/rollout-records.js';
import { planStages, resolveOptions, revisionFor, withLabelChange } from './plan.js';

const agents = (n: number, labels: (i: number) => Record<string, string> = () => ({})) =>
  Array.from({ length: n }, (_, i) => ({ id: `gw-${String(i + 1).padStart(2, '0')}`, labels: labels(i) }));

describe('planStages', () => {
  it('puts a canary of one first, then the rest in waves of a third of all agents by default', () => {
    const stages = planStages(agents(10), resolveOptions());
    expect(stages.map((s) => [s.name, s.agents.length])).toEqual([
      ['canary', 1],
      ['wave 1', 4],
      ['wave 2', 4],
      ['wave 3', 1],
    ]);
  });

  it('takes the agents with the canary labels first, and names the first wave 1 when no agent has them', () => {
    const labelled = planStages(
      agents(4, (i): Record<string, string> => (i === 2 ? { ring: 'canary' } : {})),
      resolveOptions({ canary: { labels: { ring: 'canary' } }, waves: { size: 3 } }),
    );
    expect(labelled.map((s) => s.agents)).toEqual([['gw-03'], ['gw-01', 'gw-02', 'gw-04']]);
    const none = planStages(
      agents(2),
      resolveOptions({ canary: { labels: { ring: 'x' } }, waves: { size: 1 } }),
    );
    expect(none.map((s) => s.name)).toEqual(['wave 1', 'wave 2']);
  });

  it('rounds a canary percentage up', () => {
    expect(planStages(agents(20), resolveOptions({ canary: { percent: 12 } }))[0]?.agents).toHaveLength(3);
  });
});

describe('resolveOptions', () => {
  it('reads durations and APPROVAL, and names a bad duration', () => {
    const o = resolveOptions({ pause: 'PT30S', gates: { appliedWithin: 'PT2M', failureRate: { max: 0.1 } } });
    expect([o.pause, o.gates.appliedWithinMs, o.gates.failureRate.windowMs]).toEqual([
      30_000, 120_000, 60_000,
    ]);
    expect(resolveOptions({ pause: 'APPROVAL' }).pause).toBe('APPROVAL');
    expect(() => resolveOptions({ pause: 'soon' })).toThrow(/rollout.pause: 'soon'/);
  });
});

describe('revisionFor', () => {
  const rollout = (status: Rollout['status'], started: number): Rollout => ({
    id: 'r',
    namespace: 'n',
    flowId: 'f',
    revision: 3,
    baseRevision: 3,
    previousRevision: 2,
    status,
    stage: started - 1,
    stages: [0, 1].map((i) => ({
      name: `s${i}`,
      agents: [`a${i}`],
      state: 'PENDING' as const,
      ...(i < started && { startedAt: '2026-01-01T00:00:00Z' }),
    })),
    agents: {
      a0: { stage: 0, previousRevision: 2, state: 'applied' },
      a1: { stage: 1, previousRevision: null, state: 'pending' },
    },
    options: {},
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
  });

  it('gives the new revision to agents whose stage started, and the one they ran to the others', () => {
    expect(['a0', 'a1'].map((a) => revisionFor(rollout('RUNNING', 1), a))).toEqual([3, null]);
    expect(['a0', 'a1'].map((a) => revisionFor(rollout('FAILED', 1), a))).toEqual([3, null]);
  });

  it('gives every agent its previous revision back once rolled back', () => {
    expect(['a0', 'a1'].map((a) => revisionFor(rollout('ROLLED_BACK', 2), a))).toEqual([2, null]);
  });

  it('gives agents outside the rollout the previous revision until it succeeded', () => {
    expect(revisionFor(rollout('RUNNING', 1), 'late')).toBe(2);
    expect(revisionFor(rollout('SUCCEEDED', 2), 'late')).toBe(3);
  });
});

describe('revisionFor a set', () => {
  const set = (status: Rollout['status']): Rollout => ({
    id: 's',
    kind: 'flows',
    namespace: '',
    flowId: '',
    revision: 0,
    baseRevision: 0,
    previousRevision: null,
    flows: [
      { namespace: 'n', flowId: 'a', revision: 5, baseRevision: 5, previousRevision: 4 },
      { namespace: 'n', flowId: 'b', revision: 2, baseRevision: 2, previousRevision: null },
    ],
    status,
    stage: 0,
    stages: [
      { name: 'canary', agents: ['a0'], state: 'APPLYING', startedAt: '2026-01-01T00:00:00Z' },
      { name: 'wave 1', agents: ['a1'], state: 'PENDING' },
    ],
    agents: {
      a0: {
        stage: 0,
        previousRevision: null,
        previousRevisions: { 'n/a': 4, 'n/b': null },
        state: 'updating',
      },
      a1: {
        stage: 1,
        previousRevision: null,
        previousRevisions: { 'n/a': 3, 'n/b': null },
        state: 'pending',
      },
    },
    options: {},
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
  });
  const both = (r: Rollout, agent: string) => ['n/a', 'n/b'].map((k) => revisionFor(r, agent, k));

  it("gives each flow's new revision to the agents whose stage started, and each one it ran to the others", () => {
    expect(both(set('RUNNING'), 'a0')).toEqual([5, 2]);
    expect(both(set('RUNNING'), 'a1')).toEqual([3, null]);
    expect(both(set('RUNNING'), 'late')).toEqual([4, null]);
    expect(both(set('SUCCEEDED'), 'late')).toEqual([5, 2]);
  });

  it("gives every agent each flow's previous revision back once rolled back", () => {
    expect(both(set('ROLLED_BACK'), 'a0')).toEqual([4, null]);
  });
});

describe('withLabelChange', () => {
  it('sets and replaces labels, and removes those named', () => {
    expect(
      withLabelChange({ site: 'a', ring: 'x', old: '1' }, { set: { ring: 'y', tier: 't' }, remove: ['old'] }),
    ).toEqual({
      site: 'a',
      ring: 'y',
      tier: 't',
    });
    expect(withLabelChange({ site: 'a' }, { remove: ['missing'] })).toEqual({ site: 'a' });
  });
});
