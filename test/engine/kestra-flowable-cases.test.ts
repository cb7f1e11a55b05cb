/** Kestra's flowable semantics its own test flows rely on: allowFailure's errors, `parents`, null loop items. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EngineFixture, engineFixture } from '../support/engine.js';

let fx: EngineFixture;
beforeEach(() => {
  fx = engineFixture();
});
afterEach(async () => {
  await fx.close();
});

describe('allowFailure', () => {
  it('runs its own errors when a child fails, then warns and lets the flow carry on', async () => {
    const r = await fx.run(`
id: tolerant
namespace: test
tasks:
  - id: tolerate
    type: io.kestra.plugin.core.flow.AllowFailure
    tasks:
      - id: breaks
        type: io.kestra.plugin.core.execution.Fail
    errors:
      - id: cleanup
        type: io.kestra.plugin.core.log.Log
        message: cleaning up
    finally:
      - id: always
        type: io.kestra.plugin.core.log.Log
        message: done
  - id: next
    type: io.kestra.plugin.core.log.Log
    message: next
errors:
  - id: flow-handler
    type: io.kestra.plugin.core.log.Log
    message: never
`);
    expect(r.execution.state).toBe('WARNING');
    expect(r.taskRuns.map((t) => `${t.taskId}:${t.state}`)).toEqual([
      'tolerate:WARNING',
      'breaks:FAILED',
      'cleanup:SUCCESS',
      'always:SUCCESS',
      'next:SUCCESS',
    ]);
  });

  it('leaves its errors alone when its children succeed', async () => {
    const r = await fx.run(`
id: tolerant
namespace: test
tasks:
  - id: tolerate
    type: io.kestra.plugin.core.flow.AllowFailure
    tasks:
      - { id: fine, type: io.kestra.plugin.core.log.Log, message: fine }
    errors:
      - { id: cleanup, type: io.kestra.plugin.core.log.Log, message: cleaning up }
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.taskRuns.map((t) => t.taskId)).toEqual(['tolerate', 'fine']);
  });
});

describe('parent and parents', () => {
  it('name the nearest enclosing task runs that carry a value: a flowable inside an iteration carries its value', async () => {
    const r = await fx.run(`
id: lineage
namespace: test
tasks:
  - id: sites
    type: io.kestra.plugin.core.flow.EachSequential
    value: [north, south]
    tasks:
      - id: group
        type: io.kestra.plugin.core.flow.Sequential
        tasks:
          - id: lines
            type: io.kestra.plugin.core.flow.EachParallel
            value: ["1"]
            tasks:
              - id: pick
                type: io.kestra.plugin.core.flow.Switch
                value: "{{ taskrun.value }}"
                cases:
                  "1":
                    - id: where
                      type: io.kestra.plugin.core.log.Log
                      message: "{{ parent.taskrun.value }} {{ parents[1].taskrun.value }} {{ parents | length }}"
`);
    expect(r.execution.state).toBe('SUCCESS');
    // where → pick ("1"), lines (the site), group (the site), sites (no value: left out).
    expect(r.messages('where')).toEqual(['1 north 3', '1 south 3']);
  });

  it('are undefined for a loop’s direct children, whose loop runs outside any iteration', async () => {
    const r = await fx.run(`
id: flat
namespace: test
tasks:
  - id: items
    type: io.kestra.plugin.core.flow.EachSequential
    value: [a]
    tasks:
      - id: say
        type: io.kestra.plugin.core.log.Log
        message: "{{ parent is defined }} {{ taskrun.value }}"
`);
    expect(r.messages('say')).toEqual(['false a']);
  });
});

describe('loops over values', () => {
  it('fail before any iteration on a null item, with Kestra’s message', async () => {
    const r = await fx.run(`
id: holes
namespace: test
tasks:
  - id: items
    type: io.kestra.plugin.core.flow.EachSequential
    value: '[1, null, {"site": "north"}]'
    tasks:
      - { id: say, type: io.kestra.plugin.core.log.Log, message: "{{ taskrun.value }}" }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.taskRuns.map((t) => t.taskId)).toEqual(['items']);
    expect(r.run('items').error).toBe("Found '1' null values on Each, with values=[1, null, {site=north}]");
  });
});

describe('older Kestra names', () => {
  it('io.kestra.core.tasks.log.Log runs the log task, as Kestra still accepts it', async () => {
    const r = await fx.run(`
id: legacy
namespace: test
tasks:
  - { id: say, type: io.kestra.core.tasks.log.Log, message: "hello {{ flow.id }}" }
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.messages('say')).toEqual(['hello legacy']);
  });
});

describe('BOOL inputs', () => {
  it('are read as BOOLEAN ones are: text true/false becomes a boolean, and defaults apply', async () => {
    const flow = `
id: switchable
namespace: test
inputs:
  - { id: failed, type: BOOL, defaults: false }
tasks:
  - id: check
    type: io.kestra.plugin.core.flow.If
    condition: "{{ inputs.failed == false }}"
    then:
      - { id: fine, type: log, message: fine }
    else:
      - { id: broken, type: fail }
`;
    const byDefault = await fx.run(flow);
    expect(byDefault.execution.inputs).toEqual({ failed: false });
    expect(byDefault.execution.state).toBe('SUCCESS');
    const given = await fx.run(flow, { inputs: { failed: 'true' } });
    expect(given.execution.inputs).toEqual({ failed: true });
    expect(given.run('broken').state).toBe('FAILED');
  });
});

describe('foreach childFailurePolicy', () => {
  it('STOP starts no iteration once one has failed, then runs the errors', async () => {
    const r = await fx.run(`
id: stopping
namespace: test
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [a, b, c]
    childFailurePolicy: STOP
    tasks:
      - { id: step, type: fail, errorMessage: "{{ taskrun.value }}" }
    errors:
      - { id: handled, type: log, message: handled }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.taskRuns.map((t) => `${t.taskId}:${t.value ?? ''}:${t.state}`)).toEqual([
      'each::FAILED',
      'step:a:FAILED',
      'handled::SUCCESS',
    ]);
  });
});

describe('foreach childFailurePolicy FAIL', () => {
  it('stops the iterations still running when one fails: they end FAILED, saying why', async () => {
    const r = await fx.run(`
id: failing-fast
namespace: test
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [slow, broken]
    concurrencyLimit: 0
    childFailurePolicy: FAIL
    tasks:
      - id: work
        type: io.kestra.plugin.core.flow.If
        condition: "{{ taskrun.value == 'slow' }}"
        then:
          - { id: wait, type: io.kestra.plugin.core.flow.Sleep, duration: PT60S }
        else:
          - { id: boom, type: fail }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('boom', 'broken').state).toBe('FAILED');
    expect(r.run('wait', 'slow').state).toBe('FAILED');
    expect(r.run('wait', 'slow').error).toBe('stopped: another iteration failed (childFailurePolicy: FAIL)');
  });
});

describe('currentEachOutput', () => {
  it('reads the output of the iteration in progress, in nested loops and inside a flowable of an iteration', async () => {
    const r = await fx.run(`
id: current
namespace: test
tasks:
  - id: sites
    type: io.kestra.plugin.core.flow.EachSequential
    value: [north, south]
    tasks:
      - id: lines
        type: io.kestra.plugin.core.flow.ForEach
        values: ["1", "2"]
        tasks:
          - id: group
            type: io.kestra.plugin.core.flow.Sequential
            tasks:
              - id: made
                type: io.kestra.plugin.core.debug.Return
                format: "{{ parents[1].taskrun.value }}/{{ taskrun.value }}"
              - id: read
                type: io.kestra.plugin.core.log.Log
                message: "{{ currentEachOutput(outputs.made).value }}"
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.messages('read')).toEqual(['north/1', 'north/2', 'south/1', 'south/2']);
  });
});

describe('flow outputs', () => {
  it('accept Kestra’s displayName, and an ARRAY value rendered item by item', async () => {
    const r = await fx.run(`
id: shown
namespace: test
tasks:
  - id: pick
    type: io.kestra.plugin.core.output.OutputValues
    values: { first: north, second: south }
outputs:
  - id: sites
    type: ARRAY
    displayName: Sites picked
    value:
      - "{{ outputs.pick.values.first }}"
      - "{{ outputs.pick.values.second }}"
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.execution.outputs).toEqual({ sites: ['north', 'south'] });
  });
});

describe('iterationOutputs', () => {
  it('reads the value output of an earlier iteration of the loop in progress, this task’s by default', async () => {
    const r = await fx.run(`
id: running-total
namespace: test
tasks:
  - id: sites
    type: io.kestra.plugin.core.flow.ForEach
    values: [north, south]
    tasks:
      - id: readings
        type: io.kestra.plugin.core.flow.ForEach
        values: ["5", "7", "11"]
        tasks:
          - id: total
            type: io.kestra.plugin.core.debug.Return
            format: "{{ taskrun.iteration == 0 ? taskrun.value : (iterationOutputs() | number) + (taskrun.value | number) }}"
          - id: previous
            type: io.kestra.plugin.core.debug.Return
            format: "{{ taskrun.iteration == 0 ? 'none' : iterationOutputs(taskrun.iteration - 1, 'total') }}"
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.taskRuns.filter((t) => t.taskId === 'total').map((t) => t.outputs.value)).toEqual([
      '5',
      '12',
      '23',
      '5',
      '12',
      '23',
    ]);
    expect(r.taskRuns.filter((t) => t.taskId === 'previous').map((t) => t.outputs.value)).toEqual([
      'none',
      '5',
      '12',
      'none',
      '5',
      '12',
    ]);
  });

  it('fails with Kestra’s message outside a loop, or for the current iteration', async () => {
    const r = await fx.run(`
id: misplaced
namespace: test
tasks:
  - { id: alone, type: io.kestra.plugin.core.debug.Return, format: "{{ iterationOutputs(0) }}" }
`);
    expect(r.run('alone').error).toContain(
      "'iterationOutputs()' function should be used inside iterative tasks only",
    );
    const now = await fx.run(`
id: too-soon
namespace: test
tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.ForEach
    values: [a]
    tasks:
      - { id: early, type: io.kestra.plugin.core.debug.Return, format: "{{ iterationOutputs(0) }}" }
`);
    expect(now.run('early', 'a').error).toContain(
      'The provided index (0) refers to the current iteration, whose outputs are not yet available at runtime.',
    );
  });
});
