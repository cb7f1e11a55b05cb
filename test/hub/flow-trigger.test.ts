/**
 * Hub `flow` triggers see every execution end: the hub's own, and those its
 * agents report as their records are ingested ("when the gateway's upload
 * fails, open a ticket").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../agent/agent.js';
import type { Hub } from '../../hub/hub.js';
import type { Execution } from '../../protocol/execution.js';
import { appliedFlowIds, startHubAgent } from '../support/hub-agent.js';
import { startTestHub } from '../support/hub-api.js';
import { eventually } from '../triggers/harness.js';

const ADMIN = 'flow-trigger-admin-token';
const root = mkdtempSync(join(tmpdir(), 'tern-hub-flow-trigger-'));
let hub: Hub;
let agent: Agent;

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies freely; the assertions check them.
async function call(method: string, path: string, body?: { json?: unknown; yaml?: string }): Promise<any> {
  const res = await fetch(`${hub.url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN}`,
      ...(body?.json !== undefined && { 'content-type': 'application/json' }),
      ...(body?.yaml !== undefined && { 'content-type': 'application/x-yaml' }),
    },
    body: body?.json !== undefined ? JSON.stringify(body.json) : body?.yaml,
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const TICKET = `id: ticket
namespace: ops
triggers:
  - id: upload-failed
    type: flow
    dependsOn:
      - namespace: plant
        flowId: upload
        states: [FAILED]
      - namespace: ops
        flowId: nightly
        states: [FAILED]
    mode: ANY
tasks:
  - id: open
    type: log
    message: "{{ trigger.flowId }} failed on {{ trigger.agentId ?? 'the hub' }}"
`;

/** Kestra's form: any failure in a namespace under `plant`, by a `where` filter. */
const ALERT = `id: alert
namespace: ops
triggers:
  - id: plant-failed
    type: io.kestra.plugin.core.trigger.Flow
    states: [FAILED, WARNING]
    preconditions:
      id: plant_namespace
      where:
        - id: plant
          filters:
            - field: NAMESPACE
              type: STARTS_WITH
              value: plant
tasks:
  - id: open
    type: log
    message: "{{ trigger.namespace }}.{{ trigger.flowId }} {{ trigger.state }}"
`;

/** Kestra's form: an execution of the agent's approval flow waits at its Pause. */
const PAUSED_ALERT = `id: paused-alert
namespace: ops
triggers:
  - id: approval-waits
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlowCondition
        namespace: plant
        flowId: approve
      - type: io.kestra.plugin.core.condition.ExecutionStatusCondition
        in: [PAUSED]
tasks:
  - id: notify
    type: log
    message: "{{ trigger.flowId }} waits on {{ trigger.agentId }}"
`;

const APPROVE = `id: approve
namespace: plant
runsOn:
  labels:
    site: plant
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
  - id: confirm
    type: io.kestra.plugin.core.flow.Pause
`;

const failing = (namespace: string, id: string, runsOn = '') => `id: ${id}
namespace: ${namespace}
${runsOn}tasks:
  - id: send
    type: fail
    errorMessage: no network
`;

async function tickets(flowId = 'ticket'): Promise<Execution[]> {
  await hub.storage.executions.flush();
  return (await hub.storage.executions.list({ namespace: 'ops', flowId })).items;
}

beforeAll(async () => {
  hub = await startTestHub(join(root, 'hub'), ADMIN);
  await call('POST', '/flows', { yaml: TICKET });
  await call('POST', '/flows', { yaml: ALERT });
  await call('POST', '/flows', { yaml: PAUSED_ALERT });
  await call('POST', '/flows', { yaml: APPROVE });
  await call('POST', '/flows', { yaml: failing('ops', 'nightly') });
  await call('POST', '/flows', { yaml: failing('plant', 'upload', 'runsOn:\n  labels:\n    site: plant\n') });
  const { token } = await call('POST', '/agents', { json: { id: 'gw-plant', labels: { site: 'plant' } } });
  agent = await startHubAgent(hub, 'gw-plant', token, join(root, 'gw-plant'));
  await appliedFlowIds(agent, ['approve', 'upload']);
  await eventually(() =>
    expect(
      hub.triggers
        .list()
        .map((t) => t.flowId)
        .sort(),
    ).toEqual(['alert', 'paused-alert', 'ticket']),
  );
}, 60_000);

afterAll(async () => {
  await agent?.close();
  await hub?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('hub flow triggers', () => {
  it('start when a hub flow ends as asked', async () => {
    await call('POST', '/executions/ops/nightly');
    await eventually(async () =>
      expect((await tickets()).map((e) => e.trigger?.flowId)).toEqual(['nightly']),
    );
    expect((await tickets())[0]?.trigger).toMatchObject({ state: 'FAILED', agentId: null });
  });

  it('start when an agent reports that its flow ended as asked', async () => {
    const { executionIds } = await call('POST', '/executions/plant/upload?agent=gw-plant');
    await eventually(async () => {
      const upload = (await tickets()).find((e) => e.trigger?.flowId === 'upload');
      expect(upload?.trigger).toMatchObject({
        executionId: executionIds[0],
        namespace: 'plant',
        state: 'FAILED',
        agentId: 'gw-plant',
      });
    }, 20_000);
  });

  it("read Kestra's preconditions `where` filters, on the ends agents report too", async () => {
    await eventually(async () => {
      const alerts = (await tickets('alert')).map((e) => `${e.trigger?.flowId} ${e.trigger?.state}`);
      // The agent's upload failed (the test before); the hub's nightly is in namespace ops.
      expect(alerts).toEqual(['upload FAILED']);
    }, 20_000);
  });

  it('start when an agent reports that its execution paused, for a Kestra trigger on PAUSED', async () => {
    const { executionIds } = await call('POST', '/executions/plant/approve?agent=gw-plant');
    await eventually(async () => {
      const [waiting, ...more] = await tickets('paused-alert');
      expect(more).toEqual([]);
      expect(waiting?.trigger).toMatchObject({
        executionId: executionIds[0],
        flowId: 'approve',
        state: 'PAUSED',
        agentId: 'gw-plant',
      });
    }, 20_000);
  });

  it('start again when that execution pauses a second time', async () => {
    const [first] = await tickets('paused-alert');
    const executionId = first?.trigger?.executionId as string;
    await call('POST', `/executions/${executionId}/resume`);
    await eventually(async () => {
      const waits = (await tickets('paused-alert')).map((e) => e.trigger);
      expect(waits).toHaveLength(2);
      for (const w of waits) expect(w).toMatchObject({ executionId, state: 'PAUSED', agentId: 'gw-plant' });
    }, 20_000);
  });
});
