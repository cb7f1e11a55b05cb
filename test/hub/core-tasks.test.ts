/** Kestra's execution, log and state tasks in flows run by the hub, on PGlite and PostgreSQL. */
import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { describeApi, type HubApi } from '../support/hub-api.js';

const NS = 'core.tasks';

const LABELS = `id: labels
namespace: ${NS}
labels:
  team: ops
tasks:
  - id: tag
    type: io.kestra.plugin.core.execution.Labels
    labels:
      - key: order
        value: "{{ 40 + 2 }}"
  - id: exit
    type: io.kestra.plugin.core.execution.Exit
    state: WARNING
  - id: never
    type: io.kestra.plugin.core.log.Log
    message: never
`;

const STATE = `id: state
namespace: ${NS}
inputs:
  - id: file
    type: STRING
tasks:
  - id: set
    type: io.kestra.plugin.core.state.Set
    data:
      "{{ inputs.file }}": seen
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "file {{ inputs.file }}"
  - id: fetch
    type: io.kestra.plugin.core.log.Fetch
    level: INFO
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.set.count }} seen"
`;

const ASSERT = `id: assert
namespace: ${NS}
tasks:
  - id: check
    type: io.kestra.plugin.core.execution.Assert
    conditions: ["{{ 1 + 1 == 3 }}"]
    errorMessage: arithmetic
`;

const PURGE = `id: purge
namespace: ${NS}
tasks:
  - id: purge
    type: io.kestra.plugin.core.execution.PurgeExecutions
    namespace: ${NS}
    flowId: assert
    endDate: "{{ now() | dateAdd(1, 'DAYS') }}"
    states: [FAILED]
`;

const SCHEDULED = `id: scheduled
namespace: ${NS}
tasks:
  - id: tick
    type: io.kestra.plugin.core.log.Log
    message: tick
triggers:
  - id: nightly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 2 * * *"
`;

const TOGGLE = `id: toggle
namespace: ${NS}
inputs:
  - id: enabled
    type: BOOLEAN
  - id: trigger
    type: STRING
    defaults: nightly
tasks:
  - id: toggle
    type: io.kestra.plugin.core.trigger.Toggle
    flowId: scheduled
    trigger: "{{ inputs.trigger }}"
    enabled: "{{ inputs.enabled }}"
`;

async function run(api: HubApi, flowId: string, inputs: Record<string, unknown> = {}) {
  const started = await api.call('POST', `/executions/${NS}/${flowId}?wait=true`, { json: inputs });
  if (started.status !== 201) throw new Error(`cannot run ${flowId}: ${started.text}`);
  return (await api.call('GET', `/executions/${started.body.id}`)).body;
}

describeApi('Kestra core tasks on the hub', (hub) => {
  beforeAll(async () => {
    for (const yaml of [LABELS, STATE, ASSERT, PURGE, SCHEDULED, TOGGLE]) {
      const res = await hub().call('POST', '/flows', { yaml });
      if (res.status !== 201) throw new Error(`cannot create the test flow: ${res.text}`);
    }
  });

  it('stores the labels a task adds, and ends the execution where Exit says', async () => {
    const e = await run(hub(), 'labels');
    expect([e.state, e.labels, e.taskRuns.map((t: { taskId: string }) => t.taskId).sort()]).toEqual([
      'WARNING',
      // Every execution carries Kestra's system.correlationId: its own id when nothing started it.
      { team: 'ops', order: '42', 'system.correlationId': e.id },
      ['exit', 'tag'],
    ]);
  });

  it('keeps a state between executions in the hub KV store', async () => {
    await run(hub(), 'state', { file: 'a.csv' });
    const e = await run(hub(), 'state', { file: 'b.csv' });
    const set = e.taskRuns.find((t: { taskId: string }) => t.taskId === 'set');
    expect([e.state, set.outputs.count]).toEqual(['SUCCESS', 2]);
  });

  it('fetches the logs of the running execution into a stored file', async () => {
    const e = await run(hub(), 'state', { file: 'c.csv' });
    const fetch = e.taskRuns.find((t: { taskId: string }) => t.taskId === 'fetch');
    const path = hub().storage.executions.files.localPath(fetch.outputs.uri);
    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect([fetch.outputs.size, lines.map((l) => [l.executionId, l.taskId, l.message])]).toEqual([
      1,
      [[e.id, 'hello', 'file c.csv']],
    ]);
  });

  it('fails an execution whose assertion is false, with the error message', async () => {
    const e = await run(hub(), 'assert');
    expect([e.state, e.taskRuns[0].error]).toEqual(['FAILED', '1 assertion failed!\narithmetic']);
  });

  it('purges the failed executions of a flow from the hub database', async () => {
    const failed = await run(hub(), 'assert');
    const labelled = await run(hub(), 'labels');
    const { items } = await hub().storage.executions.list({ namespace: NS, flowId: 'assert' });
    let lines = 0;
    for (const e of items) lines += (await hub().storage.executions.listLogs(e.id)).length;
    const purge = await run(hub(), 'purge');
    const { executionsCount, logsCount } = purge.taskRuns[0].outputs;
    expect([
      [executionsCount, logsCount],
      (await hub().call('GET', `/executions/${failed.id}`)).status,
      (await hub().call('GET', `/executions/${labelled.id}`)).status,
    ]).toEqual([[items.length, lines], 404, 200]);
  });

  it('disables a trigger of a flow as a new revision, and enables it again', async () => {
    const trigger = async () => (await hub().storage.flows.get(NS, 'scheduled'))!;
    const before = await trigger();
    const off = await run(hub(), 'toggle', { enabled: false });
    const disabled = await trigger();
    const on = await run(hub(), 'toggle', { enabled: true });
    const enabled = await trigger();
    expect([
      [off.state, disabled.flow.triggers?.[0]?.disabled, disabled.revision],
      [on.state, enabled.flow.triggers?.[0]?.disabled, enabled.revision],
    ]).toEqual([
      ['SUCCESS', true, before.revision + 1],
      ['SUCCESS', undefined, before.revision + 2],
    ]);
  });

  it('fails naming a trigger the flow does not have', async () => {
    const e = await run(hub(), 'toggle', { enabled: false, trigger: 'hourly' });
    expect([e.state, e.taskRuns[0].error]).toEqual(['FAILED', `flow ${NS}.scheduled has no trigger hourly`]);
  });
});
