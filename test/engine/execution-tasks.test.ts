/** Kestra's execution.* tasks on the real engine: Labels, Exit, Assert, Fail with a condition, Resume. */
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EngineFixture, engineFixture } from '../support/engine.js';
import { waitFor } from '../support/task-context.js';

let fx: EngineFixture;
beforeEach(() => {
  fx = engineFixture();
});
afterEach(async () => {
  await fx.close();
});

describe('execution.Labels', () => {
  it('adds labels from a map and a list, replacing one of the flow, and later tasks see them', async () => {
    const r = await fx.run(`
id: labels
namespace: test
labels:
  team: ops
  stage: draft
tasks:
  - id: by_map
    type: io.kestra.plugin.core.execution.Labels
    labels:
      stage: final
      order: "{{ 40 + 2 }}"
  - id: by_list
    type: io.kestra.plugin.core.execution.Labels
    labels:
      - key: customer
        value: acme
      - key: meta
        value: { region: eu }
  - id: show
    type: output
    values:
      stage: "{{ labels.stage }}"
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.execution.labels).toEqual({
      team: 'ops',
      stage: 'final',
      order: '42',
      customer: 'acme',
      meta: '{"region":"eu"}',
      'system.correlationId': r.execution.id,
    });
    expect(r.run('show').outputs).toEqual({ values: { stage: 'final' } });
  });

  it('accepts labels as JSON text', async () => {
    const r = await fx.run(`
id: labels-json
namespace: test
tasks:
  - id: tag
    type: io.kestra.plugin.core.execution.Labels
    labels: '{"a": "1", "b": "2"}'
`);
    expect(r.execution.labels).toEqual({ a: '1', b: '2', 'system.correlationId': r.execution.id });
  });

  it('refuses a system label and leaves the labels as they were', async () => {
    const r = await fx.run(`
id: labels-system
namespace: test
tasks:
  - id: tag
    type: io.kestra.plugin.core.execution.Labels
    labels:
      system.correlationId: forged
`);
    expect([r.execution.state, r.run('tag').error, r.execution.labels]).toEqual([
      'FAILED',
      'labels: system labels can only be set by Tern itself, offending label: system.correlationId=forged',
      { 'system.correlationId': r.execution.id },
    ]);
  });
});

describe('execution.Exit', () => {
  const exitFlow = (state: string) => `
id: exit-${state.toLowerCase()}
namespace: test
tasks:
  - id: first
    type: log
    message: before
  - id: group
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - id: exit
        type: io.kestra.plugin.core.execution.Exit
        state: ${state}
      - id: skipped_inside
        type: log
        message: never
  - id: after
    type: log
    message: never
finally:
  - id: cleanup
    type: log
    message: never
`;

  it.each([
    ['SUCCESS', 'SUCCESS'],
    ['WARNING', 'WARNING'],
    ['FAILED', 'FAILED'],
    ['CANCELED', 'CANCELLED'],
  ])('with state %s ends the execution %s and starts no further task', async (state, expected) => {
    const r = await fx.run(exitFlow(state));
    expect([r.execution.state, r.taskRuns.map((t) => t.taskId).sort()]).toEqual([
      expected,
      ['exit', 'first', 'group'],
    ]);
  });

  it('with state KILLED kills the tasks still running', async () => {
    const r = await fx.run(`
id: exit-killed
namespace: test
tasks:
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: long
        type: shell
        commands: ['sleep 30']
      - id: exit
        type: io.kestra.plugin.core.execution.Exit
        state: KILLED
`);
    expect([r.execution.state, r.run('long').state]).toEqual(['KILLED', 'KILLED']);
  });

  it('ends SUCCESS by default', async () => {
    const r = await fx.run(`
id: exit-default
namespace: test
tasks:
  - id: exit
    type: io.kestra.plugin.core.execution.Exit
  - id: after
    type: fail
`);
    expect([r.execution.state, r.taskRuns.length]).toEqual(['SUCCESS', 1]);
  });
});

describe('execution.Assert', () => {
  const assertFlow = `
id: assert
namespace: test
inputs:
  - id: param
    type: STRING
tasks:
  - id: check
    type: io.kestra.plugin.core.execution.Assert
    conditions:
      - "{{ inputs.param == 'ok' }}"
      - "{{ 1 + 1 == 3 }}"
      - "{{ 1 + 1 == 2 }}"
      - "{{ outputs.nothing.here }}"
    errorMessage: bad inputs
`;

  it('fails with the count of false conditions and the error message, logging each', async () => {
    const r = await fx.run(assertFlow, { inputs: { param: 'ko' } });
    expect([r.execution.state, r.run('check').error, r.messages('check')]).toEqual([
      'FAILED',
      '3 assertions failed!\nbad inputs',
      [
        "Assertion `{{ inputs.param == 'ok' }}` failed!",
        'Assertion `{{ 1 + 1 == 3 }}` failed!',
        "Assertion `{{ outputs.nothing.here }}` failed, failed to render `undefined variable 'outputs.nothing' in expression '{{ outputs.nothing.here }}'`",
        '3 assertions failed!\nbad inputs',
      ],
    ]);
  });

  it('succeeds when every condition holds', async () => {
    const r = await fx.run(`
id: assert-ok
namespace: test
tasks:
  - id: check
    type: io.kestra.plugin.core.execution.Assert
    conditions: ["{{ 1 + 1 == 2 }}", "{{ 'yes' }}"]
`);
    expect(r.execution.state).toBe('SUCCESS');
  });
});

describe('execution.Fail', () => {
  it('fails only when its condition is true', async () => {
    const flow = `
id: fail-condition
namespace: test
inputs:
  - id: param
    type: STRING
tasks:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail
    condition: '{{ inputs.param == "fail" }}'
  - id: after
    type: log
    message: after
`;
    const passed = await fx.run(flow, { inputs: { param: 'go' } });
    const failed = await fx.run(flow, { inputs: { param: 'fail' } });
    expect([passed.execution.state, failed.execution.state, failed.run('fail').error]).toEqual([
      'SUCCESS',
      'FAILED',
      'Task failure',
    ]);
  });
});

describe('execution.Resume', () => {
  it('resumes another paused execution by its id', async () => {
    const states = new Map<string, string>();
    fx.engine.on({ execution: (e) => void states.set(e.id, e.state) });
    const paused = await fx.engine.start(
      fx.flow(`
id: paused
namespace: test
tasks:
  - id: pause
    type: io.kestra.plugin.core.flow.Pause
  - id: resumed
    type: log
    message: resumed
`),
    );
    await waitFor(() => states.get(paused.id) === 'PAUSED', 'the execution to pause');
    const resumer = await fx.run(
      `
id: resumer
namespace: test
inputs:
  - id: target
    type: STRING
tasks:
  - id: resume
    type: io.kestra.plugin.core.execution.Resume
    executionId: "{{ inputs.target }}"
`,
      { inputs: { target: paused.id } },
    );
    await fx.engine.wait(paused.id);
    const r = await fx.finished(paused.id);
    expect([resumer.execution.state, r.execution.state, r.run('resumed').state]).toEqual([
      'SUCCESS',
      'SUCCESS',
      'SUCCESS',
    ]);
  });

  const approval = `
id: approval
namespace: test
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - { id: approved, type: BOOLEAN }
      - { id: reason, type: STRING, defaults: none given }
  - id: decided
    type: log
    message: "approved={{ outputs.wait.onResume.approved }} ({{ outputs.wait.onResume.reason }})"
`;
  const resumeWith = (inputs: string) => `
id: approver
namespace: test
inputs:
  - id: target
    type: STRING
tasks:
  - id: resume
    type: io.kestra.plugin.core.execution.Resume
    executionId: "{{ inputs.target }}"
    inputs: ${inputs}
`;

  /** Starts `approval` and waits until it has paused; `states` follows every execution's state. */
  const pausedApproval = async () => {
    const states = new Map<string, string>();
    fx.engine.on({ execution: (e) => void states.set(e.id, e.state) });
    const paused = await fx.engine.start(fx.flow(approval));
    await waitFor(() => states.get(paused.id) === 'PAUSED', 'the execution to pause');
    return { paused, states };
  };

  it("gives its inputs to the paused task's onResume", async () => {
    const { paused } = await pausedApproval();
    const resumer = await fx.run(resumeWith('{ approved: "{{ 1 < 2 }}" }'), {
      inputs: { target: paused.id },
    });
    expect(resumer.execution.state).toBe('SUCCESS');
    await fx.engine.wait(paused.id);
    const r = await fx.finished(paused.id);
    expect(r.run('wait').outputs).toEqual({ onResume: { approved: true, reason: 'none given' } });
    expect(r.messages('decided')).toEqual(['approved=true (none given)']);
  });

  it('fails, leaving the execution paused, when its inputs do not fit onResume', async () => {
    const { paused, states } = await pausedApproval();
    const resumer = await fx.run(resumeWith('{ approved: maybe, colour: red }'), {
      inputs: { target: paused.id },
    });
    expect(resumer.execution.state).toBe('FAILED');
    expect(resumer.run('resume').error).toMatch(
      new RegExp(`^cannot resume execution ${paused.id}: onResume\\.colour: no paused task takes this input`),
    );
    expect(states.get(paused.id)).toBe('PAUSED');
    fx.engine.kill(paused.id);
  });

  it('fails naming an execution this runtime does not run', async () => {
    const r = await fx.run(`
id: resume-other
namespace: test
tasks:
  - id: resume
    type: io.kestra.plugin.core.execution.Resume
    executionId: nosuchexecution
`);
    expect(r.run('resume').error).toBe(
      'execution nosuchexecution is not running here: there is nothing to resume',
    );
  });
});

describe('execution.PurgeExecutions', () => {
  const purgeFlow = (props: string) => `
id: purge
namespace: ops
tasks:
  - id: purge
    type: io.kestra.plugin.core.execution.PurgeExecutions
    endDate: "{{ now() | dateAdd(1, 'DAYS') }}"
${props}
`;
  const seed = async () => {
    const ok = await fx.run(`
id: ok
namespace: plant.line1
tasks:
  - id: say
    type: log
    message: hello
  - id: file
    type: io.kestra.plugin.scripts.shell.Commands
    commands: ['echo data > out.txt']
    outputFiles: [out.txt]
`);
    const failed = await fx.run('id: bad\nnamespace: plant\ntasks:\n  - { id: boom, type: fail }');
    const other = await fx.run(
      'id: other\nnamespace: office\ntasks:\n  - { id: say, type: log, message: hi }',
    );
    return { ok, failed, other };
  };
  const exists = async (id: string) => (await fx.store.getExecution(id)) !== undefined;

  it('removes the ended executions of a namespace and its sub-namespaces, with their logs and files', async () => {
    const { ok, failed, other } = await seed();
    const file = (ok.run('file').outputs.outputFiles as Record<string, string>)['out.txt']!;
    const r = await fx.run(purgeFlow('    namespace: plant'));
    expect(r.run('purge').outputs).toEqual({
      executionsCount: 2,
      logsCount: ok.logs.length + failed.logs.length,
      storagesCount: 1,
      metricsCount: 0,
      taskOutputsCount: 0,
    });
    expect([
      await exists(ok.execution.id),
      await exists(failed.execution.id),
      await exists(other.execution.id),
      existsSync(fx.store.files.localPath(file)),
      (await fx.store.listLogs(ok.execution.id)).length,
    ]).toEqual([false, false, true, false, 0]);
  });

  it('keeps what its flags and states leave out', async () => {
    const { ok, failed } = await seed();
    const r = await fx.run(purgeFlow('    states: [FAILED]\n    purgeLog: false\n    purgeStorage: false'));
    expect([
      r.run('purge').outputs.executionsCount,
      r.run('purge').outputs.logsCount,
      await exists(ok.execution.id),
      await exists(failed.execution.id),
      (await fx.store.listLogs(failed.execution.id)).length,
    ]).toEqual([1, 0, true, false, failed.logs.length]);
  });

  it('purges one flow, and never an execution that has not ended', async () => {
    const { ok, failed } = await seed();
    const r = await fx.run(purgeFlow('    namespace: plant.line1\n    flowId: ok'));
    expect([r.run('purge').outputs.executionsCount, await exists(failed.execution.id)]).toEqual([1, true]);
    const all = await fx.run(purgeFlow(''));
    // The second purge removes everything ended, the first purge's execution included, but not itself.
    expect([
      all.run('purge').outputs.executionsCount,
      await exists(all.execution.id),
      await exists(failed.execution.id),
      await exists(ok.execution.id),
    ]).toEqual([3, true, false, false]);
  });
});

describe('trigger.Toggle', () => {
  it('fails on a runtime that does not keep the flows, saying where it runs', async () => {
    const r = await fx.run(`
id: toggle
namespace: test
tasks:
  - id: toggle
    type: io.kestra.plugin.core.trigger.Toggle
    trigger: nightly
`);
    expect([r.execution.state, r.run('toggle').error]).toEqual([
      'FAILED',
      'trigger.toggle runs on the hub, or on an agent the hub manages; here (a standalone agent, or tern run) no hub keeps the flows',
    ]);
  });
});
