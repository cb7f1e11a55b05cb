/** A stage's gates: applied within the deadline, failure rate, agents online; each failure names its agents. */
import { describe, expect, it } from 'vitest';
import type { AgentRow } from '../store/records.js';
import type { RolloutStage } from '../store/rollout-records.js';
import { type AgentView, agentVersionView, desiredView, evaluateGates } from './gates.js';
import { resolveOptions } from './plan.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const stage = (appliedAt?: number): RolloutStage => ({
  name: 'canary',
  agents: ['a', 'b'],
  state: 'APPLYING',
  startedAt: new Date(T0).toISOString(),
  ...(appliedAt !== undefined && { appliedAt: new Date(appliedAt).toISOString() }),
});
const view = (id: string, applied: boolean, online = true, refused?: string): AgentView => ({
  id,
  applied,
  online,
  ...(refused && { refused }),
});
const none = { total: 0, failed: 0, failedOn: [] };
const gates = (o: Parameters<typeof resolveOptions>[0] = {}) => resolveOptions(o).gates;

describe('evaluateGates', () => {
  it('waits for every agent to apply, then starts the window, then passes at its end', () => {
    const g = gates({ gates: { failureRate: { max: 0.5, window: 'PT10S' } } });
    const input = { gates: g, executions: none };
    expect(
      evaluateGates({ ...input, stage: stage(), now: T0 + 1000, agents: [view('a', true), view('b', false)] })
        .outcome.kind,
    ).toBe('waiting');
    expect(
      evaluateGates({ ...input, stage: stage(), now: T0 + 1000, agents: [view('a', true), view('b', true)] })
        .outcome.kind,
    ).toBe('applied');
    const observed = { ...input, stage: stage(T0 + 1000), agents: [view('a', true), view('b', true)] };
    expect(evaluateGates({ ...observed, now: T0 + 5000 }).outcome.kind).toBe('waiting');
    expect(evaluateGates({ ...observed, now: T0 + 11_000 }).outcome.kind).toBe('passed');
  });

  it('fails the agents that did not apply by the deadline', () => {
    const r = evaluateGates({
      gates: gates({ gates: { appliedWithin: 'PT1M' } }),
      executions: none,
      stage: stage(),
      now: T0 + 61_000,
      agents: [view('a', true), view('b', false)],
    });
    expect(r.outcome).toEqual({
      kind: 'failed',
      reason: 'not applied within 60 s',
      agents: [{ id: 'b', reason: 'not applied in time' }],
    });
  });

  it('fails at once on a refusal, or an agent offline when online is asked, and waits for no offline agent otherwise', () => {
    const refused = evaluateGates({
      gates: gates(),
      executions: none,
      stage: stage(),
      now: T0,
      agents: [view('a', false, true, 'unknown task type x')],
    });
    expect(refused.outcome).toMatchObject({
      kind: 'failed',
      agents: [{ id: 'a', reason: 'refused: unknown task type x' }],
    });
    const offline = [view('a', true), view('b', false, false)];
    expect(
      evaluateGates({ gates: gates(), executions: none, stage: stage(), now: T0, agents: offline }).outcome,
    ).toMatchObject({ kind: 'failed', reason: 'agents went offline' });
    expect(
      evaluateGates({
        gates: gates({ gates: { online: false } }),
        executions: none,
        stage: stage(),
        now: T0,
        agents: offline,
      }).outcome.kind,
    ).toBe('applied');
  });

  it('fails as soon as the failure rate is over the threshold with enough executions, naming the agents that failed', () => {
    const g = gates({ gates: { failureRate: { max: 0.25, minExecutions: 4 } } });
    const base = { gates: g, stage: stage(T0), now: T0 + 1000, agents: [view('a', true), view('b', true)] };
    expect(
      evaluateGates({ ...base, executions: { total: 3, failed: 3, failedOn: ['b'] } }).outcome.kind,
    ).toBe('waiting');
    const r = evaluateGates({ ...base, executions: { total: 4, failed: 2, failedOn: ['b'] } });
    expect(r.outcome).toEqual({
      kind: 'failed',
      reason: 'failure rate 0.50 over 0.25 (2 of 4 executions failed)',
      agents: [{ id: 'b', reason: 'failed executions' }],
    });
    expect(r.figures).toEqual({
      applied: 2,
      offline: 0,
      executions: 4,
      failedExecutions: 2,
      failureRate: 0.5,
    });
  });

  it('waits for agents of an agent version that restart, and fails them offline once the stage applied it', () => {
    const restarting = [view('a', true), view('b', false, false)];
    const input = {
      gates: gates(),
      executions: none,
      now: T0,
      agents: restarting,
      change: 'agent version' as const,
    };
    expect(evaluateGates({ ...input, stage: stage() }).outcome.kind).toBe('waiting');
    expect(evaluateGates({ ...input, stage: stage(), now: T0 + 5 * 60_000 + 1 }).outcome).toMatchObject({
      kind: 'failed',
      agents: [{ id: 'b', reason: 'not applied in time' }],
    });
    expect(evaluateGates({ ...input, stage: stage(T0) }).outcome).toMatchObject({
      kind: 'failed',
      reason: 'agents went offline',
    });
    const refused = [view('a', false, true, 'rolled_back: started 3 times')];
    expect(evaluateGates({ ...input, stage: stage(), agents: refused }).outcome).toMatchObject({
      kind: 'failed',
      reason: 'agents refused the agent version',
    });
  });
});

describe('agentVersionView', () => {
  const since = new Date(T0).toISOString();
  const row = (version: string, update?: object, online = true): AgentRow => ({
    id: 'a',
    labels: {},
    createdAt: since,
    decommissioned: false,
    online,
    lastSeenAt: since,
    version,
    status: update ? { update } : {},
  });
  const at = (ms: number) => new Date(T0 + ms).toISOString();

  it('shows the version applied once the agent runs it online, confirmed if it updated to it', () => {
    expect(agentVersionView(row('2.0.0'), '2.0.0', since).applied).toBe(true);
    expect(agentVersionView(row('2.0.0', undefined, false), '2.0.0', since).applied).toBe(false);
    expect(agentVersionView(row('1.0.0'), '2.0.0', since).applied).toBe(false);
    const swapped = { version: '2.0.0', state: 'swapped', at: at(1000) };
    expect(agentVersionView(row('2.0.0', swapped), '2.0.0', since).applied).toBe(false);
    const confirmed = { ...swapped, state: 'confirmed' };
    expect(agentVersionView(row('2.0.0', confirmed), '2.0.0', since).applied).toBe(true);
  });

  it('shows a refusal, or the previous version restored, since the stage started', () => {
    const undone = { version: '2.0.0', state: 'rolled_back', reason: 'started 3 times', at: at(1000) };
    expect(agentVersionView(row('1.0.0', undone), '2.0.0', since)).toEqual({
      id: 'a',
      online: true,
      applied: false,
      refused: 'the device restored its previous version (started 3 times)',
    });
    // An earlier attempt of the same version, before the stage began, is no refusal of this one.
    expect(
      agentVersionView(row('1.0.0', { ...undone, at: at(-1000) }), '2.0.0', since).refused,
    ).toBeUndefined();
  });
});

describe('desiredView', () => {
  const flows = [{ namespace: 'n', id: 'a', revision: 2, hash: 'h' }];
  const row = (status: Record<string, unknown>, online = true): AgentRow => ({
    id: 'a',
    labels: {},
    createdAt: new Date(T0).toISOString(),
    decommissioned: false,
    online,
    lastSeenAt: new Date(T0).toISOString(),
    version: null,
    status,
  });
  const desired = { generation: 3, hash: 'D', publishedAt: new Date(T0).toISOString(), flows };
  const applied = (hash: string, refused: object[] = []) => ({
    generation: 3,
    hash,
    flows: [],
    refused,
    reportedAt: new Date(T0).toISOString(),
  });

  it('shows applied once the agent reports exactly its desired state', () => {
    expect(desiredView(row({ desired, applied: applied('D') })).applied).toBe(true);
    expect(desiredView(row({ desired, applied: applied('old') })).applied).toBe(false);
    expect(desiredView(row({ applied: applied('D') })).applied).toBe(false);
  });

  it('shows a refusal of one of the desired flows, naming it', () => {
    const refused = [{ namespace: 'n', id: 'a', revision: 2, reason: 'unknown task type' }];
    expect(desiredView(row({ desired, applied: applied('old', refused) })).refused).toBe(
      'n.a revision 2: unknown task type',
    );
    const other = [{ ...refused[0], revision: 1 }];
    expect(desiredView(row({ desired, applied: applied('old', other) })).refused).toBeUndefined();
  });
});
