/** The variables Kestra gives expressions: parent/parents, labels with system.correlationId, envs and globals. */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { envsFrom } from '../../runtime/engine/process-variables.js';
import { type EngineFixture, engineFixture } from '../support/engine.js';

let fx: EngineFixture;
afterEach(async () => {
  await fx.close();
});

describe('variables', () => {
  it('parent and parents name the enclosing iterations, nearest first', async () => {
    fx = engineFixture();
    const r = await fx.run(`
id: nested
namespace: test
tasks:
  - id: outer
    type: io.kestra.plugin.core.flow.ForEach
    values: [a]
    tasks:
      - id: middle
        type: io.kestra.plugin.core.flow.ForEach
        values: [b]
        tasks:
          - id: inner
            type: io.kestra.plugin.core.flow.ForEach
            values: [c]
            tasks:
              - id: say
                type: log
                message: "{{ taskrun.value }} {{ parent.taskrun.value }} {{ parents[0].taskrun.value }} {{ parents[1].taskrun.value }}"
`);
    expect(r.messages('say')).toEqual(['c b b a']);
  });

  it('labels carry system.correlationId: the execution’s id, and its parent’s in a subflow', async () => {
    fx = engineFixture();
    fx.flow(`
id: child
namespace: test
tasks:
  - { id: say, type: log, message: "{{ labels['system.correlationId'] }}" }
`);
    const r = await fx.run(`
id: parent
namespace: test
tasks:
  - { id: call, type: subflow, namespace: test, flowId: child }
`);
    expect(r.execution.labels['system.correlationId']).toBe(r.execution.id);
    const child = await fx.finished(r.run('call').outputs.executionId as string);
    expect(child.messages('say')).toEqual([r.execution.id]);
  });

  it('envs come from ENV_ variables by Kestra’s rule, globals from the configuration', async () => {
    const envs = envsFrom({ ENV_PLANT_NAME: 'north', PATH: '/bin', ENV_: 'empty name' });
    expect(envs).toEqual({ plant_name: 'north' });
    fx = engineFixture({ variables: { envs, globals: { site: { code: 7 } } } });
    const r = await fx.run(`
id: process
namespace: test
tasks:
  - { id: say, type: log, message: "{{ envs.plant_name }} {{ globals.site.code }}" }
`);
    expect(r.messages('say')).toEqual(['north 7']);
  });
});

describe('outputDir', () => {
  it('names the folder a script task collects its output files from, as {{ outputDir }}', async () => {
    fx = engineFixture();
    const r = await fx.run(`
id: outdir
namespace: test
tasks:
  - id: write
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo hello > "{{ outputDir }}/greeting.txt"
`);
    expect([r.execution.state, r.execution.error]).toEqual(['SUCCESS', undefined]);
    const files = r.run('write').outputs.outputFiles as Record<string, string>;
    expect(Object.keys(files)).toEqual(['greeting.txt']);
    expect(readFileSync(fx.store.files.localPath(files['greeting.txt']!), 'utf8')).toBe('hello\n');
  });
});

describe('execution.state, tasks and tasksWithState()', () => {
  it('execution.state is the state now; tasks gives each task run’s state, by value inside a loop, and tasksWithState lists the runs in a state', async () => {
    fx = engineFixture();
    const r = await fx.run(`
id: states
namespace: test
tasks:
  - id: first
    type: log
    message: one
  - id: tolerant
    type: allowFailure
    tasks:
      - id: broken
        type: fail
        errorMessage: on purpose
  - id: each
    type: foreach
    values: [a, b]
    tasks:
      - id: inner
        type: log
        message: "{{ taskrun.value }}"
  - id: report
    type: log
    message: "{{ execution.state }} {{ tasks.first.state }} {{ tasks.broken.state }} {{ tasks.inner.a.state }} {{ tasks.inner.b.state }} {{ tasks.report.state }}"
  - id: failed
    type: log
    message: "{{ tasksWithState() | json }} {{ tasksWithState('success') | length }} {{ tasksWithState(state='RUNNING') | json }}"
`);
    expect(r.messages('report')).toEqual(['RUNNING SUCCESS FAILED SUCCESS SUCCESS RUNNING']);
    const [failed, successes, running] = r.messages('failed')[0]!.split(' ');
    expect(JSON.parse(failed!)).toEqual([{ taskId: 'broken', state: 'FAILED' }]);
    // first, each, the two inner runs and report
    expect(Number(successes)).toBe(5);
    expect(JSON.parse(running!)).toEqual([{ taskId: 'failed', state: 'RUNNING' }]);
  });

  it('an expression naming a task that has not run says so', async () => {
    fx = engineFixture();
    const r = await fx.run(`
id: early
namespace: test
tasks:
  - id: ask
    type: log
    message: "{{ tasks.later.state }}"
  - id: later
    type: log
    message: late
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('ask').error).toMatch(/^undefined variable 'tasks\.later'/);
  });
});
