/**
 * The `flow` trigger: a flow starts when others end — `dependsOn` with its
 * states, labels and modes, and Kestra's `conditions` and `preconditions`
 * forms — with the upstream execution in `trigger.*`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../plugins/builtin.js';
import { parseFlow } from '../../runtime/flow-loader.js';
import { ManualClock } from '../support/clock.js';
import { eventually, type TriggerRig, triggerRig } from './harness.js';

const rigs: TriggerRig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
});

async function rig(...downstream: string[]): Promise<TriggerRig> {
  const r = triggerRig();
  rigs.push(r);
  await r.deploy(...downstream);
  return r;
}

const upstream = (
  id: string,
  options: { fail?: boolean; namespace?: string; labels?: string } = {},
) => `id: ${id}
namespace: ${options.namespace ?? 'test.flow'}
${options.labels ?? ''}outputs:
  - id: date
    type: STRING
    value: "2025-01-0${id.length % 9}"
  - id: ${id.replaceAll('-', '_')}_done
    type: BOOLEAN
    value: true
tasks:
  - id: work
    type: ${options.fail ? 'fail\n    errorMessage: broken' : 'log\n    message: working'}
`;

const downstream = (trigger: string, id = 'after') => `id: ${id}
namespace: test.flow
triggers:
  - id: upstream-ended
${trigger}tasks:
  - id: show
    type: log
    message: "{{ trigger.flowId }} {{ trigger.state }}"
`;

const startedBy = (r: TriggerRig, flowId = 'after') =>
  r.started.filter((e) => e.flowId === flowId).map((e) => `${e.trigger?.flowId} ${e.trigger?.state}`);

describe('flow trigger: dependsOn', () => {
  it('starts the flow when the upstream flow succeeds, with its execution and outputs in trigger', async () => {
    const r = await rig(
      downstream(`    type: flow
    inputs:
      day: "{{ trigger.outputs.date }}"
    dependsOn:
      - namespace: test.flow
        flowId: extract
`).replace('tasks:', 'inputs:\n  - id: day\n    type: STRING\ntasks:'),
    );
    const { execution: upstreamRun } = await r.fx.run(upstream('extract'));
    await eventually(() => expect(startedBy(r)).toEqual(['extract SUCCESS']));
    const started = r.started.find((e) => e.flowId === 'after')!;
    expect(started.trigger).toMatchObject({
      executionId: upstreamRun.id,
      namespace: 'test.flow',
      flowId: 'extract',
      flowRevision: 1,
      state: 'SUCCESS',
      outputs: { date: '2025-01-07', extract_done: true },
      startDate: upstreamRun.startDate,
      endDate: upstreamRun.endDate,
      agentId: null,
    });
    expect(started.inputs).toEqual({ day: '2025-01-07' });
  });

  it('counts only SUCCESS unless told which end states count', async () => {
    const r = await rig(
      downstream('    type: flow\n    dependsOn:\n      - flowId: extract\n'),
      downstream(
        '    type: flow\n    dependsOn:\n      - flowId: extract\n        states: [FAILED, WARNING]\n',
        'alert',
      ),
    );
    await r.fx.run(upstream('extract', { fail: true }));
    await eventually(() => expect(startedBy(r, 'alert')).toEqual(['extract FAILED']));
    await r.fx.run(upstream('extract'));
    await eventually(() => expect(startedBy(r, 'after')).toEqual(['extract SUCCESS']));
    await r.fx.engine.idle();
    expect(startedBy(r, 'alert')).toEqual(['extract FAILED']);
  });

  it('matches the upstream namespace, any flow of it without flowId, and labels', async () => {
    const r = await rig(
      downstream(
        '    type: flow\n    dependsOn:\n      - namespace: plant.line1\n        labels:\n          team: ops\n',
      ),
    );
    await r.fx.run(upstream('other', { namespace: 'plant.line2', labels: 'labels:\n  team: ops\n' }));
    await r.fx.run(upstream('press', { namespace: 'plant.line1' }));
    await r.fx.run(upstream('oven', { namespace: 'plant.line1', labels: 'labels:\n  team: ops\n' }));
    await eventually(() => expect(startedBy(r)).toEqual(['oven SUCCESS']));
    await r.fx.engine.idle();
    expect(startedBy(r)).toEqual(['oven SUCCESS']);
  });

  it('with several dependencies waits for all of them (mode ALL), merges their outputs, then starts afresh', async () => {
    const r = await rig(
      downstream('    type: flow\n    dependsOn:\n      - flowId: bronze\n      - flowId: silver-feed\n'),
    );
    await r.fx.run(upstream('bronze'));
    await r.fx.run(upstream('bronze'));
    await r.fx.engine.idle();
    expect(startedBy(r)).toEqual([]);
    await r.fx.run(upstream('silver-feed'));
    await eventually(() => expect(startedBy(r)).toEqual(['silver-feed SUCCESS']));
    expect(r.started.find((e) => e.flowId === 'after')?.trigger?.outputs).toEqual({
      date: '2025-01-02',
      bronze_done: true,
      silver_feed_done: true,
    });
    await r.fx.run(upstream('silver-feed'));
    await r.fx.engine.idle();
    expect(startedBy(r)).toHaveLength(1);
  });

  it('with mode ANY starts on each dependency that ends', async () => {
    const r = await rig(
      downstream(
        '    type: flow\n    mode: ANY\n    dependsOn:\n      - flowId: bronze\n      - flowId: silver-feed\n',
      ),
    );
    await r.fx.run(upstream('bronze'));
    await r.fx.run(upstream('silver-feed'));
    await eventually(() => expect(startedBy(r)).toEqual(['bronze SUCCESS', 'silver-feed SUCCESS']));
  });
});

describe('flow trigger: Kestra forms', () => {
  it('reads ExecutionFlow and ExecutionStatus conditions, next to expression conditions', async () => {
    const r = await rig(
      downstream(`    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlowCondition
        namespace: test.flow
        flowId: extract
      - type: io.kestra.plugin.core.condition.ExecutionStatus
        in: [FAILED, KILLED]
      - "{{ trigger.outputs is empty }}"
`),
    );
    await r.fx.run(upstream('extract'));
    await r.fx.run(upstream('load', { fail: true }));
    await r.fx.run(upstream('extract', { fail: true }));
    await eventually(() => expect(startedBy(r)).toEqual(['extract FAILED']));
  });

  it('fires each time an upstream execution pauses, with ExecutionStatus in PAUSED, as Kestra does', async () => {
    const r = await rig(
      downstream(`    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlowCondition
        namespace: test.flow
        flowId: approval
      - type: io.kestra.plugin.core.condition.ExecutionStatusCondition
        in: [PAUSED]
`),
    );
    const approval = r.fx.flow(`id: approval
namespace: test.flow
tasks:
  - { id: first, type: io.kestra.plugin.core.flow.Pause }
  - { id: second, type: io.kestra.plugin.core.flow.Pause }
  - { id: done, type: log, message: done }
`);
    const execution = await r.fx.engine.start(approval);
    await eventually(() => expect(startedBy(r)).toEqual(['approval PAUSED']));
    expect(r.started.find((e) => e.flowId === 'after')?.trigger).toMatchObject({
      executionId: execution.id,
      state: 'PAUSED',
      endDate: null,
    });
    await r.fx.engine.resume(execution.id);
    // The second Pause is another event: the flow starts again.
    await eventually(() => expect(startedBy(r)).toEqual(['approval PAUSED', 'approval PAUSED']));
    await r.fx.engine.resume(execution.id);
    expect((await r.fx.finished(execution.id)).execution.state).toBe('SUCCESS');
    // Its end does not count: only PAUSED does here.
    expect(startedBy(r)).toEqual(['approval PAUSED', 'approval PAUSED']);
  });

  it('evaluates PAUSED by default with Kestra forms, but not with dependsOn (SUCCESS unless told)', async () => {
    const r = await rig(
      downstream(`    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: gate
      flows:
        - { namespace: test.flow, flowId: gate }
`),
      downstream(
        `    type: flow
    dependsOn:
      - { namespace: test.flow, flowId: gate }
`,
        'tern-form',
      ),
    );
    const gate = r.fx.flow(`id: gate
namespace: test.flow
tasks:
  - { id: hold, type: io.kestra.plugin.core.flow.Pause }
`);
    const execution = await r.fx.engine.start(gate);
    await eventually(() => expect(startedBy(r)).toEqual(['gate PAUSED']));
    await r.fx.engine.resume(execution.id);
    await eventually(() => expect(startedBy(r, 'tern-form')).toEqual(['gate SUCCESS']));
    await eventually(() => expect(startedBy(r)).toEqual(['gate PAUSED', 'gate SUCCESS']));
  });

  it('reads ExecutionNamespace with a prefix comparison', async () => {
    const r = await rig(
      downstream(`    type: flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionNamespace
        namespace: plant.
        comparison: PREFIX
`),
    );
    await r.fx.run(upstream('elsewhere', { namespace: 'office' }));
    await r.fx.run(upstream('press', { namespace: 'plant.line1' }));
    await eventually(() => expect(startedBy(r)).toEqual(['press SUCCESS']));
  });

  it('reads preconditions: every flow listed must have ended', async () => {
    const r = await rig(
      downstream(`    type: flow
    preconditions:
      id: both
      timeWindow:
        type: SLIDING_WINDOW
        window: PT1H
      flows:
        - namespace: test.flow
          flowId: bronze
          states: [SUCCESS]
        - namespace: test.flow
          flowId: silver-feed
`),
    );
    await r.fx.run(upstream('silver-feed'));
    await r.fx.engine.idle();
    expect(startedBy(r)).toEqual([]);
    await r.fx.run(upstream('bronze'));
    await eventually(() => expect(startedBy(r)).toEqual(['bronze SUCCESS']));
  });
});

describe('flow trigger: Kestra windows, filters and end states', () => {
  const multiple = (window: string) => `    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionStatusCondition
        in: [SUCCESS]
      - id: both
        type: io.kestra.plugin.core.condition.MultipleCondition
${window}        conditions:
          flow-a:
            type: io.kestra.plugin.core.condition.ExecutionFlowCondition
            namespace: test.flow
            flowId: bronze
          flow-b:
            type: io.kestra.plugin.core.condition.ExecutionFlowCondition
            namespace: test.flow
            flowId: silver
`;

  it('MultipleCondition starts the flow once each of its conditions is met in the window, then starts afresh', async () => {
    const r = await rig(downstream(multiple('        sla:\n          window: PT12H\n')));
    await r.fx.run(upstream('bronze'));
    await r.fx.run(upstream('silver', { fail: true }));
    await r.fx.engine.idle();
    expect(startedBy(r)).toEqual([]);
    await r.fx.run(upstream('silver'));
    await eventually(() => expect(startedBy(r)).toEqual(['silver SUCCESS']));
    // Met conditions were forgotten when it fired: silver alone does not start it again.
    await r.fx.run(upstream('silver'));
    await r.fx.engine.idle();
    expect(startedBy(r)).toEqual(['silver SUCCESS']);
    expect(r.started.find((e) => e.flowId === 'after')?.trigger?.outputs).toEqual({
      date: '2025-01-06',
      bronze_done: true,
      silver_done: true,
    });
  });

  it('MultipleCondition counts ends together only within one DURATION_WINDOW', async () => {
    const clock = new ManualClock('2025-03-01T00:50:00Z');
    const r = triggerRig({ clock });
    rigs.push(r);
    await r.deploy(downstream(multiple('        window: PT1H\n')));
    await r.fx.run(upstream('bronze'));
    await clock.advance(20 * 60_000); // 01:10: a new window
    await r.fx.run(upstream('silver'));
    await r.fx.engine.idle();
    expect(startedBy(r)).toEqual([]);
    await r.fx.run(upstream('bronze'));
    await eventually(() => expect(startedBy(r)).toEqual(['bronze SUCCESS']));
  });

  it('preconditions count every end state unless told which, and read `where` filters', async () => {
    const r = await rig(
      downstream(`    type: io.kestra.plugin.core.trigger.Flow
    states: [FAILED, WARNING]
    preconditions:
      id: company_namespace
      where:
        - id: company
          filters:
            - field: NAMESPACE
              type: STARTS_WITH
              value: company
            - field: EXPRESSION
              type: IS_TRUE
              value: "{{ trigger.flowId != 'ignored' }}"
`),
    );
    await r.fx.run(upstream('payroll', { namespace: 'company.hr' }));
    await r.fx.run(upstream('elsewhere', { namespace: 'office', fail: true }));
    await r.fx.run(upstream('ignored', { namespace: 'company.hr', fail: true }));
    await r.fx.run(upstream('payroll', { namespace: 'company.hr', fail: true }));
    await eventually(() => expect(startedBy(r)).toEqual(['payroll FAILED']));
  });

  it('preconditions flows without states start on a failure as on a success', async () => {
    const r = await rig(
      downstream(`    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: flows
      flows:
        - namespace: test.flow
          flowId: extract
`),
    );
    await r.fx.run(upstream('extract', { fail: true }));
    await r.fx.run(upstream('extract'));
    await eventually(() => expect(startedBy(r)).toEqual(['extract FAILED', 'extract SUCCESS']));
  });

  it('a DAILY_TIME_WINDOW counts only the ends inside its hours', async () => {
    const clock = new ManualClock('2025-03-01T05:00:00Z');
    const r = triggerRig({ clock });
    rigs.push(r);
    await r.deploy(
      downstream(`    type: flow
    preconditions:
      id: morning
      timeWindow:
        type: DAILY_TIME_WINDOW
        startTime: "06:00:00"
        endTime: "09:00:00"
      flows:
        - { namespace: test.flow, flowId: refresh, states: [SUCCESS] }
`),
    );
    await r.fx.run(upstream('refresh'));
    await r.fx.engine.idle();
    expect(startedBy(r)).toEqual([]);
    await clock.advance(2 * 3600_000);
    await r.fx.run(upstream('refresh'));
    await eventually(() => expect(startedBy(r)).toEqual(['refresh SUCCESS']));
  });

  it('ExecutionFilters waits for each of its filters', async () => {
    const r = await rig(
      downstream(`    type: flow
    conditions:
      - id: filters
        type: io.kestra.plugin.core.condition.ExecutionFilters
        filters:
          - id: first
            conditions:
              - { field: FLOW_ID, type: EQUAL_TO, value: bronze }
              - { field: STATE, type: IN, values: [SUCCESS, WARNING] }
          - id: second
            operand: OR
            conditions:
              - { field: FLOW_ID, type: EQUAL_TO, value: silver }
              - { field: LABEL, type: EQUAL_TO, value: "tier:gold" }
`),
    );
    await r.fx.run(upstream('bronze'));
    await r.fx.engine.idle();
    expect(startedBy(r)).toEqual([]);
    await r.fx.run(upstream('gold', { labels: 'labels:\n  tier: gold\n' }));
    await eventually(() => expect(startedBy(r)).toEqual(['gold SUCCESS']));
  });
});

describe('flow trigger validation', () => {
  const problems = (trigger: string) =>
    parseFlow(downstream(trigger), builtinRegistry()).problems.map((p) => `${p.path}: ${p.message}`);

  it('needs to know which executions to follow', () => {
    expect(problems('    type: flow\n')).toEqual([
      expect.stringMatching(/^triggers\[0\]\.dependsOn: say which/),
    ]);
  });

  it('refuses states no end can have', () => {
    expect(
      problems('    type: flow\n    dependsOn:\n      - flowId: x\n        states: [RUNNING]\n'),
    ).toEqual(['triggers[0].dependsOn[0].states: RUNNING: only end states and PAUSED can start a flow here']);
  });

  it('checks Kestra time windows', () => {
    expect(
      problems(
        '    type: flow\n    preconditions:\n      flows: [{ flowId: x }]\n      timeWindow: { type: DAILY_TIME_WINDOW, startTime: "6am" }\n',
      ),
    ).toEqual([
      'triggers[0].preconditions.timeWindow.endTime: DAILY_TIME_WINDOW needs `endTime` as HH:mm:ss',
      'triggers[0].preconditions.timeWindow.startTime: DAILY_TIME_WINDOW needs `startTime` as HH:mm:ss',
    ]);
    expect(
      problems(
        '    type: flow\n    conditions:\n      - id: m\n        type: io.kestra.plugin.core.condition.MultipleCondition\n        window: PT0S\n        conditions:\n          a: { type: io.kestra.plugin.core.condition.ExecutionFlowCondition, namespace: n, flowId: f }\n',
      ),
    ).toEqual(["triggers[0].conditions[0].window: 'PT0S' is not a positive duration"]);
  });

  it('accepts Kestra execution conditions on a flow trigger only', () => {
    const kestra =
      '    conditions:\n      - type: io.kestra.plugin.core.condition.ExecutionStatus\n        in: [FAILED]\n';
    expect(problems(`    type: flow\n${kestra}`)).toEqual([]);
    expect(problems(`    type: schedule\n    cron: "* * * * *"\n${kestra}`)).not.toEqual([]);
  });
});
