/** Kestra's execution semantics on the real engine: retries on any failure, disabled tasks, pause and resume. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openSqliteStore } from '../../agent/store/sqlite-store.js';
import { InputValidationError } from '../../protocol/errors.js';
import { type EngineFixture, engineFixture } from '../support/engine.js';

let fx: EngineFixture;
beforeEach(() => {
  fx = engineFixture();
});
afterEach(async () => {
  await fx.close();
});

const retry = 'retry: { type: constant, interval: PT0.01S, maxAttempts: 3 }';

describe('retries', () => {
  it('retry a task whose expression cannot be rendered', async () => {
    const r = await fx.run(`
id: expr-retry
namespace: test
tasks:
  - id: bad
    type: log
    message: "{{ outputs.nothing.here }}"
    ${retry}
`);
    expect(r.run('bad').attempts).toHaveLength(3);
    expect(r.run('bad').error).toContain('outputs.nothing.here');
    expect(r.execution.state).toBe('FAILED');
  });

  it('retry a flowable task: its failed child runs again in place, what succeeded stays', async () => {
    const r = await fx.run(`
id: flowable-retry
namespace: test
tasks:
  - id: group
    type: sequential
    ${retry}
    tasks:
      - { id: count, type: log, message: child ran }
      - { id: flaky, type: fail }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('group').attempts).toHaveLength(3);
    expect(r.messages('count')).toEqual(['child ran']);
    // As in Kestra (RETRY_FAILED_TASK), the failed child's one task run gathers the attempts.
    expect(r.taskRuns.filter((t) => t.taskId === 'flaky')).toHaveLength(1);
    expect(r.run('flaky').attempts.map((a) => a.state)).toEqual(['FAILED', 'FAILED', 'FAILED']);
  });

  it('retry a subflow: a failed child execution is followed by a new one', async () => {
    fx.flow(`
id: child
namespace: test
tasks:
  - { id: boom, type: fail, errorMessage: child failed }
`);
    const r = await fx.run(`
id: parent
namespace: test
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: test
    flowId: child
    ${retry}
`);
    expect(r.run('call').attempts).toHaveLength(3);
    const failed = await fx.store.listExecutionsByState(['FAILED']);
    expect(failed.filter((e) => e.flowId === 'child')).toHaveLength(3);
  });
});

describe('disabled tasks', () => {
  it('create no task run, inside flowables too', async () => {
    const r = await fx.run(`
id: disabled
namespace: test
tasks:
  - { id: off, type: log, message: x, disabled: true }
  - id: group
    type: sequential
    tasks:
      - { id: inner-off, type: fail, disabled: true }
      - { id: on, type: log, message: y }
`);
    expect(r.taskRuns.map((t) => t.taskId).sort()).toEqual(['group', 'on']);
    expect(r.execution.state).toBe('SUCCESS');
  });
});

describe('allowWarning and errors on flowables', () => {
  it('allowWarning makes a WARNING task a success', async () => {
    const r = await fx.run(`
id: warn
namespace: test
tasks:
  - id: tolerated
    type: fail
    allowFailure: true
    allowWarning: true
`);
    expect(r.run('tolerated').state).toBe('SUCCESS');
    expect(r.execution.state).toBe('SUCCESS');
  });

  it('runs the errors of a flowable that fails, which stays FAILED', async () => {
    const r = await fx.run(`
id: flowable-errors
namespace: test
tasks:
  - id: branches
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - { id: boom, type: fail }
    errors:
      - { id: handler, type: log, message: handled }
`);
    expect(r.run('handler').state).toBe('SUCCESS');
    expect(r.run('branches').state).toBe('FAILED');
    expect(r.execution.state).toBe('FAILED');
  });

  it('runs the finally of a flowable after its errors, and after a success', async () => {
    const r = await fx.run(`
id: flowable-finally
namespace: test
tasks:
  - id: failing
    type: io.kestra.plugin.core.flow.Sequential
    allowFailure: true
    tasks:
      - { id: boom, type: fail }
    errors:
      - { id: handler, type: log, message: handled }
    finally:
      - { id: cleanup, type: log, message: cleaned }
  - id: passing
    type: io.kestra.plugin.core.flow.If
    condition: "{{ true }}"
    then:
      - { id: work, type: log, message: work }
    finally:
      - { id: always, type: log, message: always }
`);
    expect(r.run('failing').state).toBe('WARNING');
    expect(r.run('cleanup').parentTaskRunId).toBe(r.run('failing').id);
    expect(Date.parse(r.run('cleanup').startDate)).toBeGreaterThanOrEqual(
      Date.parse(r.run('handler').endDate ?? ''),
    );
    expect(r.run('passing').state).toBe('SUCCESS');
    expect(r.run('always').state).toBe('SUCCESS');
    expect(r.execution.state).toBe('WARNING');
  });
});

describe('pause', () => {
  const approval = `
id: approval
namespace: test
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - { id: approved, type: BOOLEAN }
      - { id: reason, type: STRING, defaults: none given }
  - id: after
    type: log
    message: "{{ outputs.wait.onResume.approved }} / {{ outputs.wait.onResume.reason }}"
`;

  it('leaves the execution PAUSED until resumed, with onResume inputs validated as inputs', async () => {
    const e = await fx.engine.start(fx.flow(approval));
    await vi.waitFor(() => expect(e.state).toBe('PAUSED'));
    expect(() => fx.engine.resume(e.id, { approved: 'perhaps' })).toThrow(InputValidationError);
    expect(() => fx.engine.resume(e.id, { approve: 'true' })).toThrow(/no paused task takes this input/);
    expect(e.state).toBe('PAUSED');
    expect(fx.engine.resume(e.id, { approved: 'true' })).toBe(true);
    const r = await fx.finished((await fx.engine.wait(e.id)).id);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('wait').outputs).toEqual({ onResume: { approved: true, reason: 'none given' } });
    expect(r.messages('after')).toEqual(['true / none given']);
  });

  /** Runs `approval` to its pause in a process of its own, which then stops; returns the execution's id. */
  const pausedThenStopped = async (dir: string): Promise<string> => {
    const before = engineFixture({ dir });
    const e = await before.engine.start(before.flow(approval));
    await vi.waitFor(() => expect(e.state).toBe('PAUSED'));
    await before.store.flush();
    before.store.close();
    return e.id;
  };

  it('keeps a resume asked for before a recovered pause is reached on the paused task run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tern-pending-resume-'));
    try {
      const id = await pausedThenStopped(dir);
      await fx.close();
      fx = engineFixture({ dir });
      fx.flow(approval);
      const kept: unknown[] = [];
      fx.engine.on({
        // The recovered run says RUNNING before its walk reaches the pause: the resume comes first.
        execution: (e) => {
          if (e.id === id && e.state === 'RUNNING' && kept.length === 0)
            fx.engine.resume(id, { approved: 'false' });
        },
        taskRun: (tr) => {
          if (tr.taskId === 'wait' && tr.state === 'PAUSED') kept.push(tr.outputs.onResume);
        },
      });
      await fx.engine.recover();
      const r = await fx.finished((await fx.engine.wait(id)).id);
      expect(kept).toEqual([{ approved: false, reason: 'none given' }]);
      expect(r.execution.state).toBe('SUCCESS');
      expect(r.messages('after')).toEqual(['false / none given']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the date of a pause walked again after a restart: it is the same pause, not a new one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tern-pause-date-'));
    try {
      const id = await pausedThenStopped(dir);
      const store = openSqliteStore({ path: join(dir, 'tern.db') });
      const { pausedAt } = (await store.getExecution(id))!.execution;
      store.close();
      expect(pausedAt).toEqual(expect.any(String));
      await fx.close();
      fx = engineFixture({ dir });
      fx.flow(approval);
      const paused: (string | undefined)[] = [];
      fx.engine.on({
        execution: (e) => void (e.id === id && e.state === 'PAUSED' && paused.push(e.pausedAt)),
      });
      await fx.engine.recover();
      await vi.waitFor(() => expect(paused.length).toBeGreaterThan(0));
      expect(new Set(paused)).toEqual(new Set([pausedAt]));
      fx.engine.resume(id, { approved: 'true' });
      expect((await fx.engine.wait(id)).state).toBe('SUCCESS');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes, after another restart, the resume inputs kept on the paused task run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tern-kept-resume-'));
    try {
      const id = await pausedThenStopped(dir);
      // What the process that was asked to resume stored before it stopped in turn.
      const store = openSqliteStore({ path: join(dir, 'tern.db') });
      const wait = (await store.getExecution(id))!.taskRuns.find((t) => t.taskId === 'wait')!;
      store.saveTaskRun({ ...wait, outputs: { onResume: { approved: true, reason: 'kept' } } });
      await store.flush();
      store.close();
      await fx.close();
      fx = engineFixture({ dir });
      fx.flow(approval);
      await fx.engine.recover();
      const r = await fx.finished((await fx.engine.wait(id)).id);
      expect(r.execution.state).toBe('SUCCESS');
      expect(r.run('wait').outputs).toEqual({ onResume: { approved: true, reason: 'kept' } });
      expect(r.messages('after')).toEqual(['true / kept']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('applies behavior when pauseDuration (an expression) runs out: WARN, FAIL, CANCEL', async () => {
    const states: string[] = [];
    for (const behavior of ['RESUME', 'WARN', 'FAIL', 'CANCEL']) {
      const r = await fx.run(`
id: timed-${behavior.toLowerCase()}
namespace: test
variables: { wait: PT0.05S }
tasks:
  - { id: wait, type: pause, pauseDuration: "{{ vars.wait }}", behavior: ${behavior} }
  - { id: after, type: log, message: after }
`);
      states.push(`${r.run('wait').state}/${r.execution.state}`);
    }
    expect(states).toEqual(['SUCCESS/SUCCESS', 'WARNING/WARNING', 'FAILED/FAILED', 'CANCELLED/CANCELLED']);
  });

  it('takes behavior from an expression, and fails the pause at once when it names no behavior', async () => {
    const flow = (behavior: string) => `
id: behavior-from-input-${behavior.toLowerCase()}
namespace: test
inputs:
  - { id: behavior, type: STRING, defaults: ${behavior} }
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT0.05S
    behavior: "{{ inputs.behavior }}"
  - { id: after, type: io.kestra.plugin.core.debug.Return, format: after }
`;
    const warned = await fx.run(flow('WARN'));
    expect(warned.execution.state).toBe('WARNING');
    expect(warned.taskRuns.map((tr) => `${tr.taskId}:${tr.state}`)).toEqual([
      'wait:WARNING',
      'after:SUCCESS',
    ]);
    const wrong = await fx.run(flow('LATER'));
    expect(wrong.execution.state).toBe('FAILED');
    expect(wrong.run('wait').error).toBe(
      "a property does not fit once rendered: behavior: must be one of: RESUME, WARN, FAIL, CANCEL (rendered 'LATER') in task 'wait'",
    );
    expect(wrong.taskRuns.map((tr) => tr.taskId)).toEqual(['wait']);
  });

  it('ends KILLED at once when killed during a long pauseDuration, and runs nothing after it', async () => {
    const e = await fx.engine.start(
      fx.flow(`
id: kill-timed-pause
namespace: test
tasks:
  - { id: wait, type: io.kestra.plugin.core.flow.Pause, pauseDuration: PT1H }
  - { id: after, type: io.kestra.plugin.core.debug.Return, format: after }
`),
    );
    await vi.waitFor(() => expect(e.state).toBe('PAUSED'));
    fx.engine.kill(e.id);
    const r = await fx.finished((await fx.engine.wait(e.id)).id);
    expect(r.execution.state).toBe('KILLED');
    expect(r.taskRuns.map((tr) => `${tr.taskId}:${tr.state}`)).toEqual(['wait:KILLED']);
  });

  it('runs its child tasks once resumed (older Kestra syntax)', async () => {
    const r = await fx.run(`
id: pause-children
namespace: test
tasks:
  - id: wait
    type: pause
    delay: PT0.01S
    tasks:
      - { id: inside, type: log, message: resumed }
`);
    expect(r.run('inside').state).toBe('SUCCESS');
    expect(r.run('wait').state).toBe('SUCCESS');
  });
});

describe('retry behavior CREATE_NEW_EXECUTION', () => {
  it('ends the execution RETRIED and starts a new one linked to it, until the attempts run out', async () => {
    const first = await fx.run(`
id: anew
namespace: test
tasks:
  - id: boom
    type: fail
    errorMessage: "attempt {{ execution.id == execution.originalId ? 'first' : 'later' }}"
    retry: { type: constant, interval: PT0.01S, maxAttempts: 3, behavior: CREATE_NEW_EXECUTION }
`);
    expect(first.execution.state).toBe('RETRIED');
    expect(first.run('boom').attempts).toHaveLength(1);
    await vi.waitFor(async () => {
      const failed = await fx.store.listExecutionsByState(['FAILED']);
      expect(failed.filter((e) => e.flowId === 'anew')).toHaveLength(1);
    });
    const retried = await fx.store.listExecutionsByState(['RETRIED']);
    const chain = [...retried, ...(await fx.store.listExecutionsByState(['FAILED']))].filter(
      (e) => e.flowId === 'anew',
    );
    expect(chain.map((e) => [e.state, e.attemptNumber ?? 1, e.originalId])).toEqual([
      ['RETRIED', 1, first.execution.id],
      ['RETRIED', 2, first.execution.id],
      ['FAILED', 3, first.execution.id],
    ]);
    expect(chain[2]!.error).toBe('boom: attempt later');
  });
});

describe('flow outputs, read as their type', () => {
  it('render a typed output to text, then read it as its type, as Kestra does', async () => {
    const r = await fx.run(`
id: typed-outputs
namespace: test
tasks:
  - id: count
    type: io.kestra.plugin.core.output.OutputValues
    values:
      n: 3
      tags: [a, b]
outputs:
  - id: asText
    type: STRING
    value: "{{ outputs.count.values.n + 1 }}"
  - id: listAsText
    type: STRING
    value: "{{ outputs.count.values.tags }}"
  - id: asInt
    type: INT
    value: "{{ outputs.count.values.n + 1 }}"
  - id: asFloat
    type: FLOAT
    value: "{{ outputs.count.values.n / 2.0 }}"
  - id: asBoolean
    type: BOOLEAN
    value: "{{ outputs.count.values.n > 2 }}"
  - id: asJson
    type: JSON
    value: '{"n": {{ outputs.count.values.n }}}'
  - id: asArray
    type: ARRAY
    value: "{{ outputs.count.values.tags }}"
  - id: untyped
    value: "{{ outputs.count.values.n }}"
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.execution.outputs).toEqual({
      asText: '4',
      listAsText: '["a","b"]',
      asInt: 4,
      asFloat: 1.5,
      asBoolean: true,
      asJson: { n: 3 },
      asArray: ['a', 'b'],
      untyped: 3,
    });
  });

  it('fail the execution, naming the output, when its value is not of its type', async () => {
    const r = await fx.run(`
id: mistyped-output
namespace: test
tasks:
  - id: hello
    type: log
    message: hello
outputs:
  - id: n
    type: INT
    value: "{{ 'three' }}"
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.execution.error).toBe("outputs: n: must be an integer, got 'three'");
  });

  it('leave out an optional output whose expression fails, with a warning, and the execution succeeds', async () => {
    const r = await fx.run(`
id: optional-output
namespace: test
tasks:
  - id: greet
    type: io.kestra.plugin.core.debug.Return
    format: hi
outputs:
  - id: kept
    type: STRING
    value: "{{ outputs.greet.value }}"
  - id: missing
    type: STRING
    required: false
    value: "{{ outputs.nowhere.value }}"
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.execution.outputs).toEqual({ kept: 'hi' });
    const warning = r.logs.find((l) => l.level === 'WARN' && l.message.includes("'missing'"));
    expect(warning?.message).toContain('outputs.nowhere');
  });

  it('still fail the execution when a required output cannot be rendered', async () => {
    const r = await fx.run(`
id: required-output
namespace: test
tasks:
  - id: greet
    type: io.kestra.plugin.core.debug.Return
    format: hi
outputs:
  - id: missing
    type: STRING
    value: "{{ outputs.nowhere.value }}"
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.execution.error).toContain('outputs.nowhere');
  });
});

describe('OutputValues', () => {
  it('renders each string of its values to text, keys included, and keeps YAML literals typed', async () => {
    const r = await fx.run(`
id: rendered-values
namespace: test
inputs:
  - { id: flag, type: BOOLEAN, defaults: true }
tasks:
  - id: computed
    type: io.kestra.plugin.core.output.OutputValues
    values:
      sum: "{{ 2 + 3 }}"
      flag: "{{ inputs.flag }}"
      list: "{{ [1, 'x'] }}"
      literal: 7
      nested:
        items: ["{{ 1 + 1 }}", 4]
        "{{ flow.id }}": named
  - id: compare
    type: io.kestra.plugin.core.output.OutputValues
    values:
      isText: "{{ outputs.computed.values.sum == '5' }}"
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('computed').outputs.values).toEqual({
      sum: '5',
      flag: 'true',
      list: '[1,"x"]',
      literal: 7,
      nested: { items: ['2', 4], 'rendered-values': 'named' },
    });
    expect(r.run('compare').outputs.values).toEqual({ isText: 'true' });
  });

  it('takes a whole expression that renders to a JSON object as the map, and refuses any other', async () => {
    const r = await fx.run(`
id: values-expression
namespace: test
variables:
  answers: { a: 1, b: [2] }
tasks:
  - id: whole
    type: io.kestra.plugin.core.output.OutputValues
    values: "{{ vars.answers }}"
  - id: notAMap
    type: io.kestra.plugin.core.output.OutputValues
    values: "{{ [1, 2] }}"
`);
    expect(r.run('whole').outputs.values).toEqual({ a: 1, b: [2] });
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('notAMap').error).toBe("values: '{{ [1, 2] }}' must render to a JSON object, got '[1,2]'");
  });
});

describe('afterExecution', () => {
  it('runs once the execution has ended, in order, seeing its final state and outputs, and leaves the state as it is', async () => {
    const r = await fx.run(`
id: after-run
namespace: test
tasks:
  - { id: work, type: io.kestra.plugin.core.debug.Return, format: done }
  - { id: boom, type: io.kestra.plugin.core.execution.Fail, errorMessage: broken }
errors:
  - { id: handle, type: io.kestra.plugin.core.log.Log, message: handled }
afterExecution:
  - id: report
    type: io.kestra.plugin.core.output.OutputValues
    values:
      state: "{{ execution.state }}"
      work: "{{ outputs.work.value }}"
  - { id: alsoFails, type: io.kestra.plugin.core.execution.Fail, errorMessage: late }
  - { id: never, type: io.kestra.plugin.core.log.Log, message: not reached }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.execution.error).toBe('boom: broken');
    expect(r.taskRuns.map((t) => [t.taskId, t.state])).toEqual([
      ['work', 'SUCCESS'],
      ['boom', 'FAILED'],
      ['handle', 'SUCCESS'],
      ['report', 'SUCCESS'],
      ['alsoFails', 'FAILED'],
    ]);
    expect(r.run('report').outputs.values).toEqual({ state: 'FAILED', work: 'done' });
    expect(Date.parse(r.run('report').startDate)).toBeGreaterThanOrEqual(
      Date.parse(r.execution.endDate ?? ''),
    );
  });

  it('reads the flow outputs as execution.outputs', async () => {
    const r = await fx.run(`
id: after-outputs
namespace: test
tasks:
  - { id: work, type: io.kestra.plugin.core.debug.Return, format: the result }
outputs:
  - { id: final, type: STRING, value: "{{ outputs.work.value }}" }
afterExecution:
  - { id: report, type: io.kestra.plugin.core.output.OutputValues, values: { got: "{{ execution.outputs.final }}" } }
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('report').outputs.values).toEqual({ got: 'the result' });
  });
});

describe('listeners (older Kestra)', () => {
  const flow = `
id: listened
namespace: test
inputs:
  - { id: outcome, type: STRING }
listeners:
  - conditions:
      - type: io.kestra.plugin.core.condition.ExecutionStatus
        in: [FAILED]
    tasks:
      - { id: onFailure, type: io.kestra.plugin.core.log.Log, message: "failed" }
  - conditions:
      - type: io.kestra.core.models.conditions.types.ExecutionStatusCondition
        in: [SUCCESS]
    tasks:
      - { id: brokenListener, type: io.kestra.plugin.core.execution.Fail }
      - { id: notAfterFailure, type: io.kestra.plugin.core.log.Log, message: x }
  - tasks:
      - { id: always, type: io.kestra.plugin.core.debug.Return, format: "{{ execution.state }}" }
tasks:
  - id: decide
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ inputs.outcome == 'KO' }}"
`;

  it('run the tasks of each listener whose conditions hold, once ended; a failing one stops only its own', async () => {
    const ok = await fx.run(flow, { inputs: { outcome: 'OK' } });
    expect(ok.execution.state).toBe('SUCCESS');
    expect(ok.taskRuns.map((t) => [t.taskId, t.state])).toEqual([
      ['decide', 'SUCCESS'],
      ['brokenListener', 'FAILED'],
      ['always', 'SUCCESS'],
    ]);
    expect(ok.run('always').outputs.value).toBe('SUCCESS');

    const ko = await fx.run(flow, { inputs: { outcome: 'KO' } });
    expect(ko.execution.state).toBe('FAILED');
    expect(ko.taskRuns.map((t) => t.taskId)).toEqual(['decide', 'onFailure', 'always']);
  });

  it('refuses a listener task of an unknown type when the flow is loaded, naming where it is', async () => {
    await expect(
      fx.run(`
id: bad-listener
namespace: test
listeners:
  - tasks: [{ id: nope, type: io.kestra.plugin.core.NoSuchTask }]
tasks:
  - { id: a, type: log, message: x }
`),
    ).rejects.toThrow(
      /listeners\[0\]\.tasks\[0\]\.type: unknown type 'io\.kestra\.plugin\.core\.NoSuchTask'/,
    );
  });
});
