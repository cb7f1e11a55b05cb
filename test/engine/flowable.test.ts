/** Flowable tasks: sequential, parallel, if, switch, foreach, allowFailure, fail, subflow. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
