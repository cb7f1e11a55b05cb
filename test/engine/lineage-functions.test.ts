/** Kestra's `parentOutput()` and `outputFromIteration()`: outputs of the task runs around a task, on the real engine. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EngineFixture, engineFixture } from '../support/engine.js';

let fx: EngineFixture;
beforeEach(() => {
  fx = engineFixture();
});
afterEach(async () => {
  await fx.close();
});

describe('parentOutput()', () => {
  it("reads the enclosing If's evaluationResult in each iteration of a loop", async () => {
    const r = await fx.run(`
id: parent-output
namespace: test
tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b"]
    tasks:
      - id: check
        type: io.kestra.plugin.core.flow.If
        condition: "{{ taskrun.value == 'a' }}"
        then:
          - id: seen
            type: io.kestra.plugin.core.debug.Return
            format: "{{ parentOutput().evaluationResult }}"
        else:
          - id: seen-else
            type: io.kestra.plugin.core.debug.Return
            format: "{{ parentOutput().evaluationResult }}"
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('seen', 'a').outputs.value).toBe('true');
    expect(r.run('seen-else', 'b').outputs.value).toBe('false');
  });

  it('counts its index from the outermost enclosing flowable', async () => {
    const r = await fx.run(`
id: parents-output
namespace: test
tasks:
  - id: outer
    type: if
    condition: "{{ 1 < 2 }}"
    then:
      - id: loop
        type: foreach
        values: [1]
        tasks:
          - id: inner
            type: if
            condition: "false"
            then:
              - { id: skipped, type: log, message: not this way }
            else:
              - id: read
                type: io.kestra.plugin.core.debug.Return
                format: "{{ parentOutput(0).evaluationResult }} {{ parentOutput(2).evaluationResult }}"
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('read').outputs.value).toBe('true false');
  });

  it('fails, naming the function, for a task outside any flowable', async () => {
    const r = await fx.run(`
id: no-parent
namespace: test
tasks:
  - { id: alone, type: io.kestra.plugin.core.debug.Return, format: "{{ parentOutput() }}" }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('alone').error).toContain('parentOutput(): this task is not inside a flowable task');
  });
});

describe('outputFromIteration()', () => {
  it("reads the task's own `value` output of an earlier iteration, in nested loops too", async () => {
    const r = await fx.run(`
id: running-total
namespace: test
tasks:
  - id: rows
    type: foreach
    values: ["10", "20"]
    tasks:
      - id: cells
        type: foreach
        values: ["1", "2", "3"]
        tasks:
          - id: total
            type: io.kestra.plugin.core.debug.Return
            format: >-
              {% if taskrun.iteration == 0 %}{{ taskrun.value | number + parents[0].taskrun.value | number }}{% else %}{{ outputFromIteration(taskrun.iteration - 1) | number + taskrun.value | number }}{% endif %}
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('total', '3').outputs.value).toBe('16');
    const totals = r.taskRuns.filter((t) => t.taskId === 'total').map((t) => t.outputs.value);
    expect(totals).toEqual(['11', '13', '16', '21', '23', '26']);
  });

  it('fails for the current iteration, whose outputs do not exist yet', async () => {
    const r = await fx.run(`
id: too-early
namespace: test
tasks:
  - id: loop
    type: foreach
    values: [a]
    tasks:
      - { id: self, type: io.kestra.plugin.core.debug.Return, format: "{{ outputFromIteration(0) }}" }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('self', 'a').error).toContain('iteration 0 is the current one');
  });
});

describe('parents, parent and workerTaskrun', () => {
  it('list the enclosing task runs that have a value or outputs, nearest first, as Kestra does', async () => {
    const r = await fx.run(`
id: parents
namespace: test
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["1"]
    tasks:
      - id: group
        type: io.kestra.plugin.core.flow.Sequential
        tasks:
          - id: check
            type: if
            condition: "true"
            then:
              - id: show
                type: io.kestra.plugin.core.debug.Return
                format: "{{ parents | length }} {{ parent }} {{ parents[1] }}"
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('show', '1').outputs.value).toBe(
      '2 {"taskrun":{"value":"1"},"outputs":{"evaluationResult":true}} {"taskrun":{"value":"1"}}',
    );
  });

  it('give a task inside a workingDirectory the run of that workingDirectory as workerTaskrun', async () => {
    const r = await fx.run(`
id: worker-taskrun
namespace: test
tasks:
  - id: each
    type: foreach
    values: ["7"]
    tasks:
      - id: shared
        type: io.kestra.plugin.core.flow.WorkingDirectory
        tasks:
          - id: show
            type: io.kestra.plugin.core.debug.Return
            format: "{{ workerTaskrun.value }} {{ workerTaskrun.id }}"
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('show', '7').outputs.value).toBe(`7 ${r.run('shared', '7').id}`);
  });
});
