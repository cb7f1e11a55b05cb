/**
 * The hub's side of agent sync, end to end: the real hub (PGlite, embedded
 * broker) and real agents in this process, talking over MQTT on 127.0.0.1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Agent, startAgent } from '../../agent/agent.js';
import type { Hub } from '../../hub/hub.js';
import { agentTopic } from '../../protocol/topics.js';
import { startTestHub } from '../support/hub-api.js';

const ADMIN = 'tern_sync_test_admin_token_0123456789';
const root = mkdtempSync(join(tmpdir(), 'tern-sync-'));
let hub: Hub;
const running: Agent[] = [];
const clients: MqttClient[] = [];

beforeAll(async () => {
  hub = await startTestHub(join(root, 'hub'), ADMIN);
}, 60_000);

afterEach(async () => {
  for (const c of clients.splice(0)) await c.endAsync(true);
  for (const a of running.splice(0)) await a.close();
});

afterAll(async () => {
  await hub?.close();
  rmSync(root, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies freely; the assertions check them.
async function call(method: string, path: string, json?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${hub.url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN}`,
      ...(json !== undefined && { 'content-type': 'application/json' }),
    },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
  };
}

const eventually = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 15_000, interval: 20 });

const GREET_TASKS = `  - id: say
    type: log
    message: "hello from {{ agent.id }}"
  - id: out
    type: output
    values:
      done: true
`;

const flowYaml = (namespace: string, id: string, runsOn: string, tasks = GREET_TASKS) =>
  `id: ${id}\nnamespace: ${namespace}\nrunsOn: ${runsOn}\ntasks:\n${tasks}`;

async function createFlow(namespace: string, id: string, runsOn: string, tasks?: string): Promise<void> {
  const res = await fetch(`${hub.url}/api/v1/flows`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/x-yaml' },
    body: flowYaml(namespace, id, runsOn, tasks),
  });
  expect(res.status).toBe(201);
}

/** Registers an agent through the API and starts it with the token it was given. */
async function joinAgent(
  id: string,
  labels: Record<string, string>,
): Promise<{ agent: Agent; token: string }> {
  const registered = await call('POST', '/agents', { id, labels });
  expect(registered.status).toBe(201);
  const token = registered.body.token as string;
  const agent = await startAgent({
    id,
    token,
    hubUrl: `mqtt://127.0.0.1:${hub.mqttPort}`,
    dataDir: join(root, id),
    closeGraceMs: 5000,
    sync: { reconnectMinMs: 20, reconnectMaxMs: 200, lingerMs: 1 },
  });
  running.push(agent);
  return { agent, token };
}

/** An agent with one flow, `<id>.greet`, assigned by a label of its own and applied. */
async function agentWithFlow(id: string): Promise<Agent> {
  await createFlow(id, 'greet', `{labels: {site: ${id}}}`);
  const { agent } = await joinAgent(id, { site: id });
  await eventually(() => expect(agent.appliedFlows().map((f) => f.id)).toEqual(['greet']));
  return agent;
}

/** Runs `greet` on the agent through the API and waits until the hub has stored it ended. */
async function runToEnd(agentId: string): Promise<string> {
  const res = await call('POST', `/executions/${agentId}/greet?agent=${agentId}`);
  expect(res.status).toBe(202);
  const id = res.body.executionIds[0] as string;
  await eventually(async () => expect((await call('GET', `/executions/${id}`)).body.state).toBe('SUCCESS'));
  return id;
}

/** A client on the agent's own topics (allowed with its token), to watch and to replay what it sends. */
async function spy(agentId: string, token: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, {
    username: agentId,
    password: token,
    clientId: `${agentId}:spy`,
    reconnectPeriod: 0,
  });
  clients.push(client);
  return client;
}

describe('desired state', () => {
  it('sends an agent the flows whose runsOn labels match its labels, and shows them applied without drift', async () => {
    await agentWithFlow('gw-apply');
    await eventually(async () => {
      const { body } = await call('GET', '/agents/gw-apply');
      expect(body.status.applied.flows.map((f: { id: string }) => f.id)).toEqual(['greet']);
      expect(body.status.drift).toBe(false);
    });
  });

  it('sends a new revision of an assigned flow when the flow is updated', async () => {
    const agent = await agentWithFlow('gw-update');
    const res = await fetch(`${hub.url}/api/v1/flows/gw-update/greet`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/x-yaml' },
      body: `${flowYaml('gw-update', 'greet', '{labels: {site: gw-update}}')}description: second\n`,
    });
    expect(res.status).toBe(200);
    await eventually(() => expect(agent.appliedFlows()[0]?.revision).toBe(2));
  });

  it('takes a flow away from an agent whose new labels no longer match', async () => {
    const agent = await agentWithFlow('gw-relabel');
    expect((await call('PATCH', '/agents/gw-relabel', { labels: { site: 'elsewhere' } })).status).toBe(200);
    await eventually(() => expect(agent.appliedFlows()).toEqual([]));
  });

  it('decommissions an agent on DELETE: it drops its flows and is disconnected', async () => {
    const agent = await agentWithFlow('gw-retire');
    expect((await call('DELETE', '/agents/gw-retire')).status).toBe(204);
    await eventually(() => expect([agent.decommissioned, agent.appliedFlows()]).toEqual([true, []]));
    await eventually(async () => expect((await call('GET', '/agents/gw-retire')).body.online).toBe(false));
  });
});

describe('agent state', () => {
  it('lists an agent online while it is connected and offline once it closes', async () => {
    const { agent } = await joinAgent('gw-presence', { site: 'p' });
    const online = async () =>
      (await call('GET', '/agents')).body.items.find((a: { id: string }) => a.id === 'gw-presence')?.online;
    await eventually(async () => expect(await online()).toBe(true));
    await agent.close();
    await eventually(async () => expect(await online()).toBe(false));
  });

  it("exposes each agent's outbox depth as a gauge", async () => {
    await joinAgent('gw-gauge', {});
    await eventually(async () =>
      expect((await call('GET', '/metrics')).body).toMatch(/tern_agent_outbox_depth\{agent="gw-gauge"\} \d+/),
    );
  });

  it('counts an invalid message in the metrics and goes on serving', async () => {
    const { token } = await joinAgent('gw-garbage', {});
    const client = await spy('gw-garbage', token);
    await client.publishAsync(agentTopic('gw-garbage', 'events'), '{"records": "nope"}', { qos: 1 });
    await eventually(async () =>
      expect((await call('GET', '/metrics')).body).toMatch(
        /tern_sync_invalid_messages_total\{kind="events"\} [1-9]/,
      ),
    );
  });
});

describe('executions on agents', () => {
  it('runs a flow on an agent by command and shows the execution with its agent, task runs and logs', async () => {
    await agentWithFlow('gw-run');
    const id = await runToEnd('gw-run');
    const listed = await call('GET', '/executions?agent=gw-run');
    const detail = await call('GET', `/executions/${id}`);
    const logs = await call('GET', `/executions/${id}/logs`);
    expect({
      listed: listed.body.items.map((e: { id: string; agentId: string }) => [e.id, e.agentId]),
      taskRuns: detail.body.taskRuns.map((t: { taskId: string; state: string }) => [t.taskId, t.state]),
      logs: logs.body.items.map((l: { message: string }) => l.message),
    }).toEqual({
      listed: [[id, 'gw-run']],
      taskRuns: [
        ['say', 'SUCCESS'],
        ['out', 'SUCCESS'],
      ],
      logs: ['hello from gw-run'],
    });
  });

  it('stores everything of an agent that comes back with a new store, whose seqs start again', async () => {
    const first = await agentWithFlow('gw-wiped');
    for (let i = 0; i < 3; i++) await runToEnd('gw-wiped');
    await first.close();
    running.splice(running.indexOf(first), 1);
    // The device lost its data: the same agent, a new store counting from seq 1.
    rmSync(join(root, 'gw-wiped'), { recursive: true, force: true });
    const again = await startAgent({
      id: 'gw-wiped',
      token: first.options.token,
      hubUrl: `mqtt://127.0.0.1:${hub.mqttPort}`,
      dataDir: join(root, 'gw-wiped'),
      sync: { reconnectMinMs: 20, reconnectMaxMs: 200, lingerMs: 1 },
    });
    running.push(again);
    await eventually(() => expect(again.appliedFlows().map((f) => f.id)).toEqual(['greet']));
    const id = await runToEnd('gw-wiped');
    const logs = await call('GET', `/executions/${id}/logs`);
    expect(logs.body.items.map((l: { message: string }) => l.message)).toEqual(['hello from gw-wiped']);
    expect((await call('GET', '/executions?agent=gw-wiped')).body.items).toHaveLength(4);
  });

  it('stores a resent batch once: its logs are not duplicated', async () => {
    const { token } = await joinAgent('gw-dup', { site: 'gw-dup' });
    await createFlow('gw-dup', 'greet', '{agents: [gw-dup]}');
    const client = await spy('gw-dup', token);
    const batches: Buffer[] = [];
    const acks: number[] = [];
    client.on('message', (topic, payload) => {
      if (topic.endsWith('/events')) batches.push(payload);
      else acks.push(JSON.parse(payload.toString()).seq);
    });
    await client.subscribeAsync([agentTopic('gw-dup', 'events'), agentTopic('gw-dup', 'ack')], { qos: 1 });
    const id = await runToEnd('gw-dup');
    const before = (await call('GET', `/executions/${id}/logs`)).body.items.length;
    const acked = acks.length;
    // A copy: the spy also receives what it publishes on the events topic, which would grow `batches`.
    const resent = [...batches];
    for (const b of resent) await client.publishAsync(agentTopic('gw-dup', 'events'), b, { qos: 1 });
    await eventually(() => expect(acks.length).toBeGreaterThanOrEqual(acked + resent.length));
    await hub.fleet.idle();
    expect([before, (await call('GET', `/executions/${id}/logs`)).body.items.length]).toEqual([1, 1]);
  });

  it('answers 409 when the flow is not assigned to the agent named', async () => {
    await agentWithFlow('gw-other');
    await joinAgent('gw-elsewhere', { site: 'z' });
    expect((await call('POST', '/executions/gw-other/greet?agent=gw-elsewhere')).status).toBe(409);
  });

  it('answers 404 for an unknown agent', async () => {
    await createFlow('gw-none', 'greet', '{labels: {site: gw-none}}');
    expect((await call('POST', '/executions/gw-none/greet?agent=ghost')).status).toBe(404);
  });

  it('runs on every agent the flow is assigned to with agent=*', async () => {
    await createFlow('fleet-all', 'greet', '{labels: {role: edge}}');
    const agents = await Promise.all(['gw-all-1', 'gw-all-2'].map((id) => joinAgent(id, { role: 'edge' })));
    for (const { agent } of agents) await eventually(() => expect(agent.appliedFlows()).toHaveLength(1));
    const res = await call('POST', '/executions/fleet-all/greet?agent=*');
    expect(res.status).toBe(202);
    await eventually(async () => {
      const { body } = await call('GET', '/executions?namespace=fleet-all&state=SUCCESS');
      expect(body.items.map((e: { agentId: string }) => e.agentId).sort()).toEqual(['gw-all-1', 'gw-all-2']);
    });
  });

  it('restarts a failed agent execution: the task runs the agent dropped are dropped on the hub too', async () => {
    const tasks =
      '  - id: boom\n    type: fail\nerrors:\n  - id: handler\n    type: log\n    message: handled\n';
    await createFlow('gw-restart', 'flaky', '{agents: [gw-restart]}', tasks);
    const { agent } = await joinAgent('gw-restart', {});
    await eventually(() => expect(agent.appliedFlows()).toHaveLength(1));
    const id = (await call('POST', '/executions/gw-restart/flaky?agent=gw-restart')).body.executionIds[0];
    const hubTaskRuns = async () =>
      ((await call('GET', `/executions/${id}`)).body.taskRuns as { id: string; taskId: string }[]) ?? [];
    await eventually(async () =>
      expect((await hubTaskRuns()).map((t) => t.taskId)).toEqual(['boom', 'handler']),
    );
    const firstHandler = (await hubTaskRuns())[1]!.id;

    expect((await call('POST', `/executions/${id}/restart`)).status).toBe(202);
    // The restart drops the errors stage's task run and runs the stage again under a new id.
    const local = await eventually(async () => {
      const stored = await agent.store.getExecution(id);
      const handler = stored?.taskRuns.find((t) => t.taskId === 'handler');
      expect(handler && handler.id !== firstHandler && handler.state === 'SUCCESS').toBe(true);
      return stored!.taskRuns.map((t) => t.id).sort();
    });
    await eventually(async () => expect((await hubTaskRuns()).map((t) => t.id).sort()).toEqual(local));
  });

  it('resumes an execution paused on an agent with its onResume inputs: 202, then the agent goes on', async () => {
    const tasks =
      '  - id: wait\n    type: pause\n    onResume:\n      - { id: approved, type: BOOLEAN }\n' +
      '  - id: after\n    type: output\n    values: { approved: "{{ outputs.wait.onResume.approved }}" }\n';
    await createFlow('gw-resume', 'approve', '{agents: [gw-resume]}', tasks);
    const { agent } = await joinAgent('gw-resume', {});
    await eventually(() => expect(agent.appliedFlows()).toHaveLength(1));
    const id = (await call('POST', '/executions/gw-resume/approve?agent=gw-resume')).body.executionIds[0];
    await eventually(async () => expect((await call('GET', `/executions/${id}`)).body.state).toBe('PAUSED'));
    const sent = await call('POST', `/executions/${id}/resume`, { approved: true });
    expect([sent.status, sent.body.agentId]).toEqual([202, 'gw-resume']);
    await eventually(async () => expect((await call('GET', `/executions/${id}`)).body.state).toBe('SUCCESS'));
    const after = (await call('GET', `/executions/${id}`)).body.taskRuns.find(
      (t: { taskId: string }) => t.taskId === 'after',
    );
    expect(after.outputs.values).toEqual({ approved: 'true' });
  });

  it('kills an execution running on an agent: 202, then the agent ends it KILLED', async () => {
    await createFlow('gw-kill', 'hold', '{agents: [gw-kill]}', '  - id: wait\n    type: pause\n');
    const { agent } = await joinAgent('gw-kill', {});
    await eventually(() => expect(agent.appliedFlows()).toHaveLength(1));
    const id = (await call('POST', '/executions/gw-kill/hold?agent=gw-kill')).body.executionIds[0];
    await eventually(async () => expect((await call('GET', `/executions/${id}`)).body.state).toBe('PAUSED'));
    expect((await call('POST', `/executions/${id}/kill`)).status).toBe(202);
    await eventually(async () => expect((await call('GET', `/executions/${id}`)).body.state).toBe('KILLED'));
  });
});

describe('namespace files on agents', () => {
  const putFile = (namespace: string, path: string, content: string) =>
    fetch(`${hub.url}/api/v1/namespaces/${namespace}/files?path=${encodeURIComponent(path)}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/octet-stream' },
      body: content,
    });
  const held = (agent: Agent, namespace: string, path: string) => {
    const bytes = agent.store.namespaceFiles.get(namespace, path);
    return bytes === undefined ? undefined : Buffer.from(bytes).toString();
  };

  it("sends an agent the files of its flows' namespaces, and a flow there runs them from its working directory", async () => {
    expect((await putFile('gw-files', 'scripts/hello.sh', 'echo "hello from the hub"\n')).status).toBe(200);
    await putFile('gw-other', 'secret.txt', 'not for gw-files');
    await createFlow(
      'gw-files',
      'greet',
      '{labels: {site: gw-files}}',
      `  - id: run
    type: shell
    namespaceFiles: {}
    commands: ['sh scripts/hello.sh']
`,
    );
    const { agent } = await joinAgent('gw-files', { site: 'gw-files' });
    await eventually(() =>
      expect(held(agent, 'gw-files', 'scripts/hello.sh')).toBe('echo "hello from the hub"\n'),
    );
    expect(agent.store.namespaceFiles.list('gw-other')).toEqual([]);
    const id = await runToEnd('gw-files');
    const logs = await call('GET', `/executions/${id}/logs`);
    expect(logs.body.items.map((l: { message: string }) => l.message)).toContain('hello from the hub');
  });

  it('sends a changed file and removes a deleted one, and the agent keeps what it holds across a restart offline', async () => {
    await putFile('gw-files2', 'a.txt', 'one');
    await putFile('gw-files2', 'b.txt', 'bee');
    const { agent, token } = await agentWithFlowAndToken('gw-files2');
    await eventually(() => expect(held(agent, 'gw-files2', 'b.txt')).toBe('bee'));
    await putFile('gw-files2', 'a.txt', 'two');
    const del = await fetch(`${hub.url}/api/v1/namespaces/gw-files2/files?path=b.txt`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(del.status).toBe(204);
    await eventually(() =>
      expect([held(agent, 'gw-files2', 'a.txt'), held(agent, 'gw-files2', 'b.txt')]).toEqual([
        'two',
        undefined,
      ]),
    );
    expect(agent.store.namespaceFiles.list('gw-files2').map((f) => [f.path, f.revision])).toEqual([
      ['a.txt', 2],
    ]);
    await agent.close();
    running.splice(running.indexOf(agent), 1);
    // Offline: a hub address where nothing listens.
    const again = await startAgent({
      id: 'gw-files2',
      token,
      hubUrl: 'mqtt://127.0.0.1:9',
      dataDir: join(root, 'gw-files2'),
      closeGraceMs: 5000,
      sync: { reconnectMinMs: 20, reconnectMaxMs: 200, lingerMs: 1 },
    });
    running.push(again);
    expect(held(again, 'gw-files2', 'a.txt')).toBe('two');
  });

  async function agentWithFlowAndToken(id: string): Promise<{ agent: Agent; token: string }> {
    await createFlow(id, 'greet', `{labels: {site: ${id}}}`);
    const joined = await joinAgent(id, { site: id });
    await eventually(() => expect(joined.agent.appliedFlows().map((f) => f.id)).toEqual(['greet']));
    return joined;
  }
});
