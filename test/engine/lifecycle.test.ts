/** Execution lifecycle: errors/finally, runIf, disabled, pluginDefaults, inputs, outputs, labels, concurrency, pause, kill. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InputValidationError } from '../../protocol/errors.js';
import { ManualClock } from '../support/clock.js';
import { type EngineFixture, engineFixture } from '../support/engine.js';

let fx: EngineFixture;
beforeEach(() => {
  fx = engineFixture();
});
afterEach(async () => {
  await fx.close();
});

describe('errors and finally', () => {
  const flow = (fail: boolean) => `
id: handlers
namespace: test
tasks:
  - { id: work, type: fail, condition: "{{ ${fail} }}", errorMessage: disk full }
errors:
  - { id: alert, type: log, message: "failed: {{ error.message }}" }
finally:
  - { id: cleanup, type: log, message: cleanup }
`;
  it('runs errors then finally when a task fails, and the execution stays FAILED', async () => {
    const r = await fx.run(flow(true));
    expect(r.execution.state).toBe('FAILED');
    expect(r.messages('alert')).toEqual(['failed: work: disk full']);
    expect(r.run('cleanup').state).toBe('SUCCESS');
    expect(r.execution.error).toBe('work: disk full');
  });
  it('runs finally but not errors when everything succeeds', async () => {
    const r = await fx.run(flow(false));
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.taskRuns.some((t) => t.taskId === 'alert')).toBe(false);
    expect(r.run('cleanup').state).toBe('SUCCESS');
  });
});

describe('runIf and disabled', () => {
  it('skips a task whose runIf is false; a disabled task gets no task run at all, as in Kestra', async () => {
    const r = await fx.run(`
id: skip
namespace: test
tasks:
  - { id: maybe, type: log, message: x, runIf: "{{ 1 == 2 }}" }
  - { id: off, type: log, message: x, disabled: true }
  - { id: yes, type: log, message: x, runIf: "{{ true }}" }
`);
    expect(r.run('maybe').state).toBe('SKIPPED');
    expect(r.taskRuns.some((t) => t.taskId === 'off')).toBe(false);
    expect(r.run('yes').state).toBe('SUCCESS');
    expect(r.execution.state).toBe('SUCCESS');
  });

  it('reads `when`, Kestra 2’s name for runIf: a skipped task run has one SKIPPED attempt', async () => {
    const r = await fx.run(`
id: when
namespace: test
tasks:
  - { id: first, type: io.kestra.core.tasks.log.Log, message: older type name }
  - { id: never, type: log, message: x, when: "{{ outputs.first is defined and 1 > 2 }}" }
  - { id: always, type: sequential, when: true, tasks: [{ id: inner, type: log, message: x }] }
  - { id: broken, type: log, message: x, when: "{{ outputs.nothing.here }}" }
`);
    expect(r.run('first').state).toBe('SUCCESS');
    expect(r.run('never').state).toBe('SKIPPED');
    expect(r.run('never').attempts.map((a) => a.state)).toEqual(['SKIPPED']);
    expect(r.run('inner').state).toBe('SUCCESS');
    expect(r.run('broken').state).toBe('FAILED');
    expect(r.run('broken').error).toMatch(/^when: .*outputs\.nothing/);
    expect(r.execution.state).toBe('FAILED');
  });
});

describe('pluginDefaults', () => {
  it('fills properties by type or alias, the task’s own values winning', async () => {
    const r = await fx.run(`
id: defaults
namespace: test
pluginDefaults:
  - type: io.kestra.plugin.core.log.Log
    values: { message: from defaults, level: WARN }
tasks:
  - { id: a, type: log }
  - { id: b, type: io.kestra.plugin.core.log.Log, message: own }
`);
    expect(r.logs.map((l) => [l.taskId, l.level, l.message])).toEqual([
      ['a', 'WARN', 'from defaults'],
      ['b', 'WARN', 'own'],
    ]);
  });
});

describe('inputs', () => {
  const flow = `
id: typed
namespace: test
inputs:
  - { id: name, type: STRING, defaults: world }
  - { id: count, type: INT, min: 1, max: 5 }
  - { id: ratio, type: FLOAT, required: false }
  - { id: on, type: BOOLEAN, defaults: false }
  - { id: env, type: SELECT, values: [dev, prod], defaults: dev }
  - { id: code, type: STRING, validator: "[A-Z]{3}", required: false }
  - { id: data, type: JSON, required: false }
  - { id: when, type: DATETIME, required: false }
tasks:
  - { id: show, type: output, values: { all: "{{ inputs }}" } }
`;
  it('converts strings to the declared types and applies defaults', async () => {
    const r = await fx.run(flow, { inputs: { count: '3', on: 'true', data: '{"a":[1]}', ratio: '0.5' } });
    expect(r.execution.inputs).toMatchObject({
      name: 'world',
      count: 3,
      on: true,
      env: 'dev',
      data: { a: [1] },
      ratio: 0.5,
    });
    // OutputValues prints a whole map to JSON text, as Kestra does.
    const shown = r.run('show').outputs.values as { all: string };
    expect(JSON.parse(shown.all)).toMatchObject({ count: 3, name: 'world' });
  });

  it('keeps a DATETIME as an instant printed as Kestra prints one: UTC, a fraction only when not zero', async () => {
    const at = async (when: string) =>
      (await fx.run(flow, { inputs: { count: '1', when } })).execution.inputs?.when;
    expect(await at('2019-10-06T20:27:49+02:00')).toBe('2019-10-06T18:27:49Z');
    expect(await at('2019-10-06T18:27:49.250Z')).toBe('2019-10-06T18:27:49.250Z');
  });

  it('reports every invalid input at once and creates no execution', async () => {
    const record = fx.flow(flow);
    const attempt = fx.engine.start(record, {
      inputs: { count: '9', env: 'qa', code: 'abc', when: 'yesterday' },
    });
    await expect(attempt).rejects.toBeInstanceOf(InputValidationError);
    const err = (await attempt.catch((e: unknown) => e)) as InputValidationError;
    expect(err.problems.map((p) => p.path).sort()).toEqual([
      'inputs.code',
      'inputs.count',
      'inputs.env',
      'inputs.when',
    ]);
    expect(err.message).toMatch(/inputs.count: must be at most 5/);
    expect(err.message).toMatch(/inputs.env: must be one of: dev, prod/);
    expect(await fx.store.listExecutionsByState(['CREATED', 'RUNNING', 'SUCCESS', 'FAILED'])).toHaveLength(0);
  });

  it('reports a missing required input', async () => {
    const record = fx.flow(flow);
    await expect(fx.engine.start(record, {})).rejects.toThrow(/inputs.count: required INT input is missing/);
  });
});

describe('outputs, variables and labels', () => {
  it('renders flow outputs, variables and labels', async () => {
    const r = await fx.run(
      `
id: outs
namespace: test
labels: { team: ops }
variables:
  greeting: "hello {{ inputs.who }}"
inputs: [{ id: who, type: STRING }]
tasks:
  - { id: t, type: output, values: { n: 7 } }
outputs:
  - { id: message, type: STRING, value: "{{ vars.greeting }} {{ labels.team }} {{ labels.run }}" }
  - { id: n, type: INT, value: "{{ outputs.t.values.n }}" }
`,
      { inputs: { who: 'edge' }, labels: { run: 'r1' } },
    );
    expect(r.execution.outputs).toEqual({ message: 'hello edge ops r1', n: 7 });
    expect(r.execution.labels).toEqual({ team: 'ops', run: 'r1', 'system.correlationId': r.execution.id });
  });
});

describe('undefined variables', () => {
  it('fail the task with a message naming the expression', async () => {
    const r = await fx.run(`
id: undef
namespace: test
tasks:
  - { id: t, type: log, message: "hi {{ inputs.nmae }}" }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('t').error).toMatch(
      /undefined variable 'inputs\.nmae' in expression '\{\{ inputs\.nmae \}\}'.* in task 't'/,
    );
    expect(r.run('t').attempts).toHaveLength(1);
  });
});

describe('concurrency', () => {
  const flow = (behavior: string) => `
id: limited-${behavior.toLowerCase()}
namespace: test
concurrency: { limit: 1, behavior: ${behavior} }
tasks:
  - { id: hold, type: pause }
`;
  it('queues executions beyond the limit and starts them when a slot frees', async () => {
    const record = fx.flow(flow('QUEUE'));
    const first = await fx.engine.start(record);
    const second = await fx.engine.start(record);
    await vi.waitFor(() => expect(second.state).toBe('QUEUED'));
    await vi.waitFor(() => expect(first.state).toBe('PAUSED'));
    fx.engine.resume(first.id);
    await vi.waitFor(() => expect(second.state).toBe('PAUSED'));
    expect((await fx.engine.wait(first.id)).state).toBe('SUCCESS');
    fx.engine.resume(second.id);
    expect((await fx.engine.wait(second.id)).state).toBe('SUCCESS');
  });

  it('cancels or fails executions beyond the limit when told to', async () => {
    for (const [behavior, state] of [
      ['CANCEL', 'CANCELLED'],
      ['FAIL', 'FAILED'],
    ] as const) {
      const record = fx.flow(flow(behavior));
      const first = await fx.engine.start(record);
      const second = await fx.engine.start(record);
      expect((await fx.engine.wait(second.id)).state).toBe(state);
      fx.engine.resume(first.id);
      expect((await fx.engine.wait(first.id)).state).toBe('SUCCESS');
    }
  });
});

describe('pause and kill', () => {
  it('pauses for a delay and then continues', async () => {
    const r = await fx.run(`
id: delay
namespace: test
tasks:
  - { id: wait, type: pause, delay: PT0.1S }
  - { id: after, type: log, message: done }
`);
    expect(r.run('wait').state).toBe('SUCCESS');
    expect(r.run('after').state).toBe('SUCCESS');
  });

  it('kills a running execution: the running task ends KILLED and nothing after it starts', async () => {
    const record = fx.flow(`
id: killme
namespace: test
tasks:
  - { id: sleeper, type: shell, commands: ['sleep 300'] }
  - { id: never, type: log, message: never }
`);
    const e = await fx.engine.start(record);
    await vi.waitFor(async () => {
      await fx.store.flush();
      const s = await fx.store.getExecution(e.id);
      expect(s?.taskRuns.find((t) => t.taskId === 'sleeper')?.state).toBe('RUNNING');
    });
    fx.engine.kill(e.id);
    const end = await fx.engine.wait(e.id);
    expect(end.state).toBe('KILLED');
    const r = await fx.finished(e.id);
    expect(r.run('sleeper').state).toBe('KILLED');
    expect(r.taskRuns.some((t) => t.taskId === 'never')).toBe(false);
  });
});

describe('dates', () => {
  it('writes the clock as Date.toISOString does, across milliseconds, seconds and years', async () => {
    const clock = new ManualClock('2026-12-31T23:59:59.998Z');
    const dated = engineFixture({ clock });
    try {
      const seen: [number, string][] = [];
      for (const step of [0, 0, 1, 1, 7, 993, 999, 1000, 0.5, 86_399_000, 1]) {
        await clock.advance(step);
        seen.push([clock.now(), dated.engine.nowIso()]);
      }
      for (const [ms, iso] of seen) expect(iso).toBe(new Date(ms).toISOString());
      expect(new Set(seen.map(([, iso]) => iso.slice(0, 4)))).toEqual(new Set(['2026', '2027']));
    } finally {
      await dated.close();
    }
  });
});
