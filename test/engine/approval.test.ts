/** Kestra's Approval task on the real engine: decisions, behaviors, expiry, comments, inputs. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InputValidationError, TernError } from '../../protocol/errors.js';
import type { Execution } from '../../protocol/execution.js';
import type { ReviewRequest } from '../../runtime/engine/review.js';
import { type EngineFixture, engineFixture } from '../support/engine.js';

let fx: EngineFixture;
beforeEach(() => {
  fx = engineFixture();
});
afterEach(async () => {
  await fx.close();
});

const gate = (extra = '', after = '') => `
id: valve-gate
namespace: test
tasks:
  - id: gate
    type: io.kestra.plugin.core.flow.Approval
${extra}
    onWait:
      - { id: ask, type: io.kestra.plugin.core.log.Log, message: "valve change requested" }
    onApprove:
      - { id: open, type: io.kestra.plugin.core.log.Log, message: "open: {{ outputs.gate.decision }} {{ outputs.gate.url }}" }
    onDeny:
      - { id: keep, type: io.kestra.plugin.core.log.Log, message: keep closed }
  - { id: report, type: io.kestra.plugin.core.log.Log, message: done }
${after}`;

/** Starts a flow and waits until the approval task run is paused. */
async function paused(yaml: string, taskId = 'gate'): Promise<Execution> {
  const e = await fx.engine.start(fx.flow(yaml));
  await vi.waitFor(
    async () => {
      await fx.store.flush();
      const stored = await fx.store.getExecution(e.id);
      expect(stored?.taskRuns.find((t) => t.taskId === taskId)?.state).toBe('PAUSED');
    },
    { timeout: 20_000 },
  );
  return e;
}

async function decide(e: Execution, request: ReviewRequest) {
  expect(fx.engine.review(e.id, request)).toBe(true);
  return fx.finished((await fx.engine.wait(e.id)).id);
}

describe('approval', () => {
  it('runs onWait, pauses, then on approval runs onApprove and the tasks after it', async () => {
    const e = await paused(gate());
    expect(e.state).toBe('PAUSED');
    const r = await decide(e, { decision: 'APPROVED', comment: 'looks good', by: 'alice' });
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.taskRuns.map((t) => t.taskId)).toEqual(['gate', 'ask', 'open', 'report']);
    expect(r.run('gate').outputs).toMatchObject({
      decision: 'APPROVED',
      comment: 'looks good',
      by: 'alice',
      auto: false,
      url: `/ui/executions/${e.id}`,
    });
    expect(typeof r.run('gate').outputs.on).toBe('string');
    expect(r.messages('open')).toEqual([`open: APPROVED /ui/executions/${e.id}`]);
  });

  it('cancels the execution on denial by default, after onDeny, and runs nothing after it', async () => {
    const r = await decide(await paused(gate()), { decision: 'DENIED', comment: 'not now' });
    expect(r.execution.state).toBe('CANCELLED');
    expect(r.run('keep').state).toBe('SUCCESS');
    expect(r.run('gate').state).toBe('CANCELLED');
    expect(r.run('gate').outputs).toMatchObject({ decision: 'DENIED', comment: 'not now' });
    expect(r.taskRuns.some((t) => t.taskId === 'report' || t.taskId === 'open')).toBe(false);
  });

  it('goes on after a denial when denyBehavior is CONTINUE', async () => {
    const r = await decide(await paused(gate('    denyBehavior: CONTINUE')), { decision: 'DENIED' });
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.taskRuns.map((t) => t.taskId)).toEqual(['gate', 'ask', 'keep', 'report']);
  });

  it('refuses a denial without comment when commentRequired is ON_DENY, and takes an approval without', async () => {
    const e = await paused(gate('    commentRequired: ON_DENY'));
    expect(() => fx.engine.review(e.id, { decision: 'DENIED' })).toThrow(InputValidationError);
    expect(() => fx.engine.review(e.id, { decision: 'DENIED', comment: '  ' })).toThrow(
      /comment is required/,
    );
    const r = await decide(e, { decision: 'APPROVED' });
    expect(r.execution.state).toBe('SUCCESS');
  });

  it('refuses a second decision on the same approval', async () => {
    const e = await paused(gate());
    const r = await decide(e, { decision: 'APPROVED' });
    expect(r.execution.state).toBe('SUCCESS');
    expect(fx.engine.review(e.id, { decision: 'DENIED' })).toBe(false);
  });

  it('keeps the reviewer inputs, checked as flow inputs, in its outputs', async () => {
    const e = await paused(
      gate(`    inputs:
      - { id: reason, type: STRING }
      - { id: window, type: INT, defaults: 30 }`),
    );
    expect(() => fx.engine.review(e.id, { decision: 'APPROVED', inputs: { other: 1 } })).toThrow(
      /takes no such input/,
    );
    expect(() => fx.engine.review(e.id, { decision: 'APPROVED', inputs: { window: 'soon' } })).toThrow(
      InputValidationError,
    );
    const r = await decide(e, { decision: 'APPROVED', inputs: { reason: 'urgent fix' } });
    expect(r.run('gate').outputs.inputs).toEqual({ reason: 'urgent fix', window: 30 });
  });

  it('is approved by a plain resume, which takes its inputs', async () => {
    const e = await paused(gate('    inputs:\n      - { id: reason, type: STRING }'));
    expect(() => fx.engine.resume(e.id, { ticket: 'T-1' })).toThrow(/no paused task takes this input/);
    expect(fx.engine.resume(e.id, { reason: 'urgent' })).toBe(true);
    const r = await fx.finished((await fx.engine.wait(e.id)).id);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('gate').outputs).toMatchObject({ decision: 'APPROVED', inputs: { reason: 'urgent' } });
    expect(r.run('open').state).toBe('SUCCESS');
  });

  it('expires when its timeout runs out: no branch, its finally runs, the execution is cancelled', async () => {
    const started = Date.now();
    const r = await fx.run(
      gate(`    timeout: PT0.5S
    finally:
      - { id: cleanup, type: io.kestra.plugin.core.log.Log, message: cleanup }`),
    );
    expect(r.execution.state).toBe('CANCELLED');
    expect(r.run('gate').outputs).toMatchObject({ decision: 'EXPIRED', auto: false });
    expect(r.run('gate').outputs.by).toBeUndefined();
    const due = Date.parse(String(r.run('gate').outputs.due));
    expect(due).toBeGreaterThanOrEqual(started + 500);
    expect(r.run('cleanup').state).toBe('SUCCESS');
    expect(Date.parse(r.run('gate').endDate!)).toBeGreaterThanOrEqual(Date.parse(r.run('cleanup').endDate!));
    expect(r.taskRuns.some((t) => ['open', 'keep', 'report'].includes(t.taskId))).toBe(false);
  });

  it('goes on after expiry when expireBehavior is CONTINUE', async () => {
    const r = await fx.run(gate('    timeout: PT0.2S\n    expireBehavior: CONTINUE'));
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.taskRuns.map((t) => t.taskId)).toEqual(['gate', 'ask', 'report']);
  });

  it('approves at once with autoApprove: no onWait, no pause', async () => {
    const r = await fx.run(`
id: auto
namespace: test
inputs:
  - { id: trusted, type: BOOLEAN, defaults: true }
tasks:
  - id: gate
    type: io.kestra.plugin.core.flow.Approval
    autoApprove: "{{ inputs.trusted }}"
    onWait:
      - { id: ask, type: log, message: asked }
    onApprove:
      - { id: open, type: log, message: opened }
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.execution.pausedAt).toBeUndefined();
    expect(r.taskRuns.map((t) => t.taskId)).toEqual(['gate', 'open']);
    expect(r.run('gate').outputs).toMatchObject({ decision: 'APPROVED', auto: true });
  });

  it('fails the approval without pausing when onWait fails, and runs its finally once', async () => {
    const r = await fx.run(`
id: wait-fails
namespace: test
tasks:
  - id: gate
    type: io.kestra.plugin.core.flow.Approval
    onWait:
      - { id: broken, type: io.kestra.plugin.core.execution.Fail }
    onApprove:
      - { id: open, type: log, message: opened }
    finally:
      - { id: cleanup, type: log, message: cleanup }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.taskRuns.filter((t) => t.taskId === 'cleanup')).toHaveLength(1);
    expect(r.taskRuns.some((t) => t.taskId === 'open')).toBe(false);
  });

  it('fails through the flow errors when approveBehavior is FAIL, after onApprove', async () => {
    const r = await decide(
      await paused(
        gate('    approveBehavior: FAIL', 'errors:\n  - { id: alarm, type: log, message: failed }'),
      ),
      { decision: 'APPROVED' },
    );
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('open').state).toBe('SUCCESS');
    expect(r.run('gate').state).toBe('FAILED');
    expect(r.run('alarm').state).toBe('SUCCESS');
  });

  it('ends the execution in SUCCESS without the tasks after it when approveBehavior is SUCCEED', async () => {
    const r = await decide(await paused(gate('    approveBehavior: SUCCEED')), { decision: 'APPROVED' });
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('open').state).toBe('SUCCESS');
    expect(r.taskRuns.some((t) => t.taskId === 'report')).toBe(false);
  });

  it('does not hide a failing branch behind the behavior', async () => {
    const r = await decide(
      await paused(`
id: failing-branch
namespace: test
tasks:
  - id: gate
    type: io.kestra.plugin.core.flow.Approval
    approveBehavior: SUCCEED
    onApprove:
      - { id: broken, type: io.kestra.plugin.core.execution.Fail }
`),
      { decision: 'APPROVED' },
    );
    expect(r.execution.state).toBe('FAILED');
  });

  describe('beside other tasks', () => {
    const parallel = (denyBehavior: string) => `
id: valve-and-pump
namespace: test
tasks:
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - { id: sleep, type: io.kestra.plugin.core.flow.Sleep, duration: PT2S }
      - id: gate
        type: io.kestra.plugin.core.flow.Approval
        denyBehavior: ${denyBehavior}
        onDeny:
          - { id: keep, type: log, message: keep closed }
`;

    it('kills a running sibling when denyBehavior is KILL', async () => {
      const r = await decide(await paused(parallel('KILL')), { decision: 'DENIED' });
      expect(r.execution.state).toBe('KILLED');
      expect(r.run('sleep').state).toBe('KILLED');
    });

    it('lets a running sibling finish when denyBehavior is CANCEL', async () => {
      const r = await decide(await paused(parallel('CANCEL')), { decision: 'DENIED' });
      expect(r.execution.state).toBe('CANCELLED');
      expect(r.run('sleep').state).toBe('SUCCESS');
    });

    it('decides sibling approvals one at a time, each named by its task run', async () => {
      const e = await paused(
        `
id: two-keys
namespace: test
tasks:
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: gateA
        type: io.kestra.plugin.core.flow.Approval
        onApprove: [{ id: openA, type: log, message: A }]
      - id: gateB
        type: io.kestra.plugin.core.flow.Approval
        onApprove: [{ id: openB, type: log, message: B }]
`,
        'gateB',
      );
      await vi.waitFor(async () => {
        await fx.store.flush();
        const runs = (await fx.store.getExecution(e.id))?.taskRuns ?? [];
        expect(runs.filter((t) => t.state === 'PAUSED')).toHaveLength(2);
      });
      expect(() => fx.engine.review(e.id, { decision: 'APPROVED' })).toThrow(/several approvals are paused/);
      expect(() => fx.engine.review(e.id, { decision: 'APPROVED', taskRunId: 'nope' })).toThrow(TernError);
      const runs = (await fx.store.getExecution(e.id))?.taskRuns ?? [];
      const id = (taskId: string) => runs.find((t) => t.taskId === taskId)!.id;
      expect(fx.engine.review(e.id, { decision: 'APPROVED', taskRunId: id('gateA') })).toBe(true);
      await vi.waitFor(async () => {
        await fx.store.flush();
        const now = (await fx.store.getExecution(e.id))?.taskRuns ?? [];
        expect(now.find((t) => t.taskId === 'openA')?.state).toBe('SUCCESS');
      });
      expect(e.state).toBe('PAUSED');
      const r = await decide(e, { decision: 'APPROVED', taskRunId: id('gateB') });
      expect(r.execution.state).toBe('SUCCESS');
      expect(r.run('openB').state).toBe('SUCCESS');
    });
  });
});
