/** Flowable tasks: sequential, parallel, if, switch, foreach, allowFailure, fail, subflow. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { trackConcurrency as watchConcurrency } from '../support/concurrency.js';
import { type EngineFixture, engineFixture } from '../support/engine.js';

let fx: EngineFixture;
beforeEach(() => {
  fx = engineFixture();
});
afterEach(async () => {
  await fx.close();
});

/** Highest number of task runs of `ids` that were RUNNING at the same time. */
const trackConcurrency = (ids: (taskId: string) => boolean) => watchConcurrency(fx.engine, ids);

describe('sequential', () => {
  it('runs tasks in order and stops at the first failure', async () => {
    const r = await fx.run(`
id: seq
namespace: test
tasks:
  - id: group
    type: sequential
    tasks:
      - { id: a, type: log, message: first }
      - { id: b, type: fail, errorMessage: boom }
      - { id: c, type: log, message: never }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('a').state).toBe('SUCCESS');
    expect(r.run('b').state).toBe('FAILED');
    expect(r.taskRuns.find((t) => t.taskId === 'c')).toBeUndefined();
    expect(r.run('group').state).toBe('FAILED');
  });
});

describe('parallel', () => {
  it('runs no more than `concurrent` tasks at once', async () => {
    const max = trackConcurrency((id) => id.startsWith('p'));
    const r = await fx.run(`
id: par
namespace: test
tasks:
  - id: all
    type: parallel
    concurrent: 2
    tasks:
      - { id: p1, type: shell, commands: ['sleep 0.2'] }
      - { id: p2, type: shell, commands: ['sleep 0.2'] }
      - { id: p3, type: shell, commands: ['sleep 0.2'] }
      - { id: p4, type: shell, commands: ['sleep 0.2'] }
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(max()).toBe(2);
  });

  it('runs all tasks at once without a cap', async () => {
    const max = trackConcurrency((id) => id.startsWith('p'));
    await fx.run(`
id: par2
namespace: test
tasks:
  - id: all
    type: parallel
    tasks:
      - { id: p1, type: shell, commands: ['sleep 0.2'] }
      - { id: p2, type: shell, commands: ['sleep 0.2'] }
      - { id: p3, type: shell, commands: ['sleep 0.2'] }
`);
    expect(max()).toBe(3);
  });
});

describe('if', () => {
  const flow = (cond: string) => `
id: cond
namespace: test
inputs:
  - { id: n, type: INT }
tasks:
  - id: check
    type: if
    condition: "${cond}"
    then:
      - { id: big, type: log, message: big }
    else:
      - { id: small, type: log, message: small }
`;
  it('runs `then` when the condition is true', async () => {
    const r = await fx.run(flow('{{ inputs.n > 10 }}'), { inputs: { n: 11 } });
    expect(r.run('big').state).toBe('SUCCESS');
    expect(r.taskRuns.some((t) => t.taskId === 'small')).toBe(false);
  });
  it('runs `else` when the condition is false', async () => {
    const r = await fx.run(flow('{{ inputs.n > 10 }}'), { inputs: { n: 3 } });
    expect(r.run('small').state).toBe('SUCCESS');
    expect(r.taskRuns.some((t) => t.taskId === 'big')).toBe(false);
  });
});

describe('switch', () => {
  const flow = `
id: sw
namespace: test
inputs:
  - { id: kind, type: STRING }
tasks:
  - id: route
    type: switch
    value: "{{ inputs.kind }}"
    cases:
      A:
        - { id: caseA, type: log, message: a }
      B:
        - { id: caseB, type: log, message: b }
    defaults:
      - { id: other, type: log, message: other }
`;
  it('runs the matching case', async () => {
    const r = await fx.run(flow, { inputs: { kind: 'B' } });
    expect(r.taskRuns.map((t) => t.taskId).sort()).toEqual(['caseB', 'route']);
    expect(r.run('route').outputs).toEqual({ value: 'B', defaults: false });
  });
  it('runs defaults when no case matches', async () => {
    const r = await fx.run(flow, { inputs: { kind: 'Z' } });
    expect(r.taskRuns.map((t) => t.taskId).sort()).toEqual(['other', 'route']);
  });
});

describe('foreach', () => {
  it('exposes taskrun.value and taskrun.iteration and keys outputs by value', async () => {
    const r = await fx.run(`
id: each
namespace: test
tasks:
  - id: loop
    type: foreach
    values: ["north", "south-1"]
    tasks:
      - id: item
        type: output
        values:
          label: "{{ taskrun.value }}#{{ taskrun.iteration }}"
  - id: after
    type: output
    values:
      both: "{{ outputs.item['north'].values.label }},{{ outputs.item['south-1'].values.label }}"
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('item', 'north').iteration).toBe(0);
    expect(r.run('after').outputs).toEqual({ values: { both: 'north#0,south-1#1' } });
  });

  it('accepts values as a JSON string and exposes parent.taskrun.value in nested loops', async () => {
    const r = await fx.run(`
id: nested
namespace: test
tasks:
  - id: outer
    type: foreach
    values: '["a", "b"]'
    tasks:
      - id: inner
        type: foreach
        values: [1, 2]
        tasks:
          - id: pair
            type: output
            values:
              p: "{{ parent.taskrun.value }}{{ taskrun.value }}"
  - id: all
    type: output
    values:
      b2: "{{ outputs.pair['b']['2'].values.p }}"
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.taskRuns.filter((t) => t.taskId === 'pair')).toHaveLength(4);
    expect(r.run('all').outputs).toEqual({ values: { b2: 'b2' } });
  });

  it('runs at most concurrencyLimit iterations at once', async () => {
    const max = trackConcurrency((id) => id === 'work');
    const r = await fx.run(`
id: bounded
namespace: test
tasks:
  - id: loop
    type: foreach
    values: [1, 2, 3, 4, 5]
    concurrencyLimit: 2
    tasks:
      - { id: work, type: shell, commands: ['sleep 0.2'] }
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.taskRuns.filter((t) => t.taskId === 'work')).toHaveLength(5);
    expect(max()).toBe(2);
  });

  it('fails on values that are not a list', async () => {
    const r = await fx.run(`
id: badvalues
namespace: test
tasks:
  - id: loop
    type: foreach
    values: "not a list"
    tasks:
      - { id: x, type: log, message: x }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('loop').error).toMatch(/values must be a list/);
  });
});

describe('allowFailure and fail', () => {
  it('turns a failing block into WARNING and carries on', async () => {
    const r = await fx.run(`
id: allow
namespace: test
tasks:
  - id: optional
    type: allowFailure
    tasks:
      - { id: broken, type: fail, errorMessage: nope }
  - { id: next, type: log, message: still here }
`);
    expect(r.run('broken').state).toBe('FAILED');
    expect(r.run('optional').state).toBe('WARNING');
    expect(r.run('next').state).toBe('SUCCESS');
    expect(r.execution.state).toBe('WARNING');
  });

  it('a task with allowFailure ends WARNING and the flow goes on', async () => {
    const r = await fx.run(`
id: allowprop
namespace: test
tasks:
  - { id: broken, type: fail, allowFailure: true }
  - { id: next, type: log, message: go }
`);
    expect(r.run('broken').state).toBe('WARNING');
    expect(r.run('next').state).toBe('SUCCESS');
    expect(r.execution.state).toBe('WARNING');
  });

  it('fail only fails when its condition holds', async () => {
    const r = await fx.run(`
id: guard
namespace: test
tasks:
  - { id: guard, type: fail, condition: "{{ 1 > 2 }}", errorMessage: never }
`);
    expect(r.execution.state).toBe('SUCCESS');
  });
});

describe('subflow', () => {
  it('waits for the subflow and passes its outputs', async () => {
    fx.flow(`
id: child
namespace: test.sub
inputs:
  - { id: x, type: INT }
tasks:
  - { id: double, type: output, values: { y: "{{ inputs.x * 2 }}" } }
outputs:
  - { id: y, type: INT, value: "{{ outputs.double.values.y }}" }
`);
    const r = await fx.run(`
id: parent
namespace: test
tasks:
  - id: call
    type: subflow
    namespace: test.sub
    flowId: child
    inputs: { x: 21 }
  - { id: show, type: log, message: "got {{ outputs.call.outputs.y }}" }
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('call').outputs.outputs).toEqual({ y: 42 });
    expect(r.messages('show')).toEqual(['got 42']);
  });

  it('fails when the subflow fails', async () => {
    fx.flow(`
id: broken
namespace: test.sub
tasks:
  - { id: f, type: fail, errorMessage: inner failure }
`);
    const r = await fx.run(`
id: parent2
namespace: test
tasks:
  - { id: call, type: subflow, namespace: test.sub, flowId: broken }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('call').error).toMatch(/ended FAILED/);
    // As in Kestra, the failed task still says which execution failed, and how.
    expect(r.run('call').outputs).toMatchObject({ executionId: expect.any(String), state: 'FAILED' });
  });

  /** A flow that declares no outputs; `hold` pauses it before its last task. */
  const quiet = (hold = false) => `
id: quiet
namespace: test.sub
inputs:
  - { id: x, type: INT }
tasks:
  - { id: double, type: output, values: { y: "{{ inputs.x * 2 }}" } }
${hold ? '  - { id: hold, type: pause }\n' : ''}  - { id: done, type: output, values: { note: "done at {{ inputs.x }}" } }
`;
  const legacyParent = `
id: legacy
namespace: test
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: test.sub
    flowId: quiet
    inputs: { x: 4 }
    outputs:
      final: "{{ outputs.double.values.y }}"
      both: ["{{ outputs.done.values.note }}", "{{ inputs.x }}"]
  - { id: show, type: log, message: "got {{ outputs.call.outputs.final }}" }
`;

  it("renders Kestra's older subflow `outputs` in the subflow's execution", async () => {
    fx.flow(quiet());
    const r = await fx.run(legacyParent);
    expect(r.execution.state).toBe('SUCCESS');
    const call = r.run('call');
    // `y` is text: OutputValues renders each of its strings to text, as Kestra does.
    expect(call.outputs.outputs).toEqual({ final: '8', both: ['done at 4', 4] });
    expect(call.outputs.state).toBe('SUCCESS');
    expect(call.outputs.executionId).toEqual(expect.any(String));
    expect(r.messages('show')).toEqual(['got 8']);
  });

  it('prefers the outputs the subflow declares over the older `outputs` property', async () => {
    fx.flow(`
id: declared
namespace: test.sub
tasks:
  - { id: t, type: output, values: { v: 1 } }
outputs:
  - { id: v, type: INT, value: "{{ outputs.t.values.v }}" }
`);
    const r = await fx.run(`
id: legacy2
namespace: test
tasks:
  - id: call
    type: subflow
    namespace: test.sub
    flowId: declared
    outputs: { other: "{{ outputs.t.values.v + 1 }}" }
`);
    expect(r.run('call').outputs.outputs).toEqual({ v: 1 });
  });

  it('fails the task, naming the expression, when an older `outputs` value cannot be rendered', async () => {
    fx.flow(quiet());
    const r = await fx.run(`
id: legacy3
namespace: test
tasks:
  - id: call
    type: subflow
    namespace: test.sub
    flowId: quiet
    inputs: { x: 1 }
    outputs: { bad: "{{ outputs.nosuchtask.value }}" }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('call').error).toMatch(/subflow outputs: .*nosuchtask/);
    expect(r.run('call').outputs).toMatchObject({ state: 'SUCCESS', executionId: expect.any(String) });
  });

  it('renders the older `outputs` after a restart, from the stored subflow execution', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tern-subflow-outputs-'));
    try {
      const before = engineFixture({ dir });
      before.flow(quiet(true));
      const started = await before.engine.start(before.flow(legacyParent));
      const child = async (f: EngineFixture) => {
        await f.store.flush();
        return (await f.store.listExecutionsByState(['PAUSED'])).find((e) => e.flowId === 'quiet');
      };
      await vi.waitFor(async () => expect(await child(before)).toBeDefined(), { timeout: 10_000 });
      // The process stops; the next one ends the subflow before it picks the parent up again.
      before.store.close();
      fx = engineFixture({ dir });
      fx.flow(quiet(true));
      fx.flow(legacyParent);
      const held = (await child(fx))!;
      await fx.engine.recover((e) => e.id === held.id);
      await vi.waitFor(() => expect(fx.engine.resume(held.id)).toBe(true));
      expect((await fx.engine.wait(held.id)).state).toBe('SUCCESS');
      await fx.engine.recover();
      const r = await fx.finished((await fx.engine.wait(started.id)).id);
      expect(r.execution.error).toBeUndefined();
      expect(r.execution.state).toBe('SUCCESS');
      expect(r.run('call').outputs.outputs).toEqual({ final: '8', both: ['done at 4', 4] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('passes the parent execution’s labels on with `inheritLabels`, not its system ones', async () => {
    fx.flow(`
id: labelled
namespace: test.sub
tasks:
  - { id: t, type: log, message: hi }
`);
    const r = await fx.run(
      `
id: inherit
namespace: test
labels: { team: ops, site: north }
tasks:
  - { id: call, type: subflow, namespace: test.sub, flowId: labelled, inheritLabels: true, labels: { site: south } }
  - { id: plain, type: subflow, namespace: test.sub, flowId: labelled }
`,
      { labels: { 'system.username': 'someone' } },
    );
    const child = await fx.finished(r.run('call').outputs.executionId as string);
    expect(child.execution.labels).toEqual({
      team: 'ops',
      site: 'south',
      'system.correlationId': r.execution.id,
    });
    const plain = await fx.finished(r.run('plain').outputs.executionId as string);
    expect(plain.execution.labels).toEqual({ 'system.correlationId': r.execution.id });
  });

  describe('restarted after its subflow failed', () => {
    const gated = `
id: gated
namespace: test.sub
inputs:
  - { id: marker, type: STRING }
tasks:
  - { id: check, type: shell, commands: ['test -f "{{ inputs.marker }}"'] }
`;
    const caller = (behavior: string) => `
id: caller-${behavior.toLowerCase()}
namespace: test
inputs:
  - { id: marker, type: STRING }
tasks:
  - id: call
    type: subflow
    namespace: test.sub
    flowId: gated
    restartBehavior: ${behavior}
    inputs: { marker: "{{ inputs.marker }}" }
`;

    /** Runs the caller to its failure, makes the subflow able to succeed, restarts the caller. */
    const failThenRestart = async (behavior: string) => {
      fx.flow(gated);
      const marker = join(fx.dir, `open-${behavior}`);
      const first = await fx.run(caller(behavior), { inputs: { marker } });
      expect(first.execution.state).toBe('FAILED');
      writeFileSync(marker, '');
      await fx.engine.restart(first.execution.id);
      const again = await fx.finished((await fx.engine.wait(first.execution.id)).id);
      return { failedChild: first.run('call').outputs.executionId, again };
    };

    it('restarts the failed subflow execution in place (RETRY_FAILED, the default)', async () => {
      const { failedChild, again } = await failThenRestart('RETRY_FAILED');
      expect(again.execution.state).toBe('SUCCESS');
      expect(again.run('call').outputs).toMatchObject({ executionId: failedChild, state: 'SUCCESS' });
      expect((await fx.finished(failedChild as string)).run('check').attempts).toHaveLength(2);
    });

    it('starts a new subflow execution with NEW_EXECUTION', async () => {
      const { failedChild, again } = await failThenRestart('NEW_EXECUTION');
      expect(again.execution.state).toBe('SUCCESS');
      expect(again.run('call').outputs.executionId).not.toBe(failedChild);
      expect((await fx.finished(failedChild as string)).execution.state).toBe('FAILED');
    });
  });

  it('fails clearly when the subflow is unknown', async () => {
    const r = await fx.run(`
id: parent3
namespace: test
tasks:
  - { id: call, type: subflow, namespace: nowhere, flowId: nothing }
`);
    expect(r.run('call').error).toMatch(/subflow nowhere.nothing not found/);
  });
});
