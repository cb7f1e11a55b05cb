/**
 * Decommissioning cuts the agent's MQTT session at once: the real hub (PGlite,
 * embedded broker) in this process, a real agent, and a client holding an
 * agent's token that never confirms anything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Agent, startAgent } from '../../agent/agent.js';
import type { Hub } from '../../hub/hub.js';
import { agentTopic } from '../../protocol/topics.js';
import { HubApiClient } from '../faults/hub-process.js';
import { startTestHub } from '../support/hub-api.js';

const ADMIN = 'tern_decommission_admin_token_0123456789';
const root = mkdtempSync(join(tmpdir(), 'tern-decommission-'));
let hub: Hub;
const clients: MqttClient[] = [];
const agents: Agent[] = [];

beforeAll(async () => {
  hub = await startTestHub(join(root, 'hub'), ADMIN);
}, 60_000);

afterEach(async () => {
  for (const c of clients.splice(0)) await c.endAsync(true);
  for (const a of agents.splice(0)) await a.close();
});

afterAll(async () => {
  await hub?.close();
  rmSync(root, { recursive: true, force: true });
});

const eventually = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 15_000, interval: 20 });

const call = (method: string, path: string, body?: unknown) =>
  new HubApiClient(hub.url, ADMIN).call(method, path, body);

async function register(id: string): Promise<string> {
  const res = await call('POST', '/agents', { id });
  expect(res.status).toBe(201);
  return res.body.token as string;
}

async function connect(options: mqtt.IClientOptions): Promise<MqttClient> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, {
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...options,
  });
  clients.push(client);
  return client;
}

/** Messages a client receives, as 'topic payload' strings, in arrival order. */
function inbox(client: MqttClient): string[] {
  const got: string[] = [];
  client.on('message', (topic, payload) => got.push(`${topic} ${payload.toString()}`));
  return got;
}

async function refusedLogins(): Promise<number> {
  const text = await new HubApiClient(hub.url, ADMIN).metrics();
  const line = text.split('\n').find((l) => l.startsWith('tern_mqtt_logins_refused_total '));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('decommissioning an agent', () => {
  it('ends a session that never confirms at once, after telling it, and forwards nothing it sends afterwards', async () => {
    const token = await register('gw-silent');
    const silent = await connect({ clientId: 'gw-silent', username: 'gw-silent', password: token });
    const toldSilent = inbox(silent);
    await silent.subscribeAsync(agentTopic('gw-silent', 'desired'), { qos: 1 });
    const watcher = await connect({ ...hub.brokerCredentials!, clientId: 'watcher' });
    const watched = inbox(watcher);
    await watcher.subscribeAsync([agentTopic('gw-silent', 'events'), 'tern/v1/data/marker'], { qos: 1 });
    const closed = new Promise<number>((resolve) => silent.once('close', () => resolve(performance.now())));

    expect((await call('DELETE', '/agents/gw-silent')).status).toBe(204);
    const answered = performance.now();
    silent.publish(agentTopic('gw-silent', 'events'), '{"records": []}', { qos: 0 });

    // It used to wait up to 5 s for a confirmation this client never sends.
    expect(await Promise.race([closed, new Promise((r) => setTimeout(() => r('open'), 2000))])).not.toBe(
      'open',
    );
    expect((await closed) - answered).toBeLessThan(2000);
    expect(toldSilent.some((m) => /"decommissioned":true/.test(m))).toBe(true);
    // A message the watcher sends itself goes through the broker after anything the silent client sent.
    await watcher.publishAsync('tern/v1/data/marker', 'after', { qos: 1 });
    await eventually(() => expect(watched).toContain('tern/v1/data/marker after'));
    expect(watched.filter((m) => m.startsWith(agentTopic('gw-silent', 'events')))).toEqual([]);
  });

  it('refuses its old token from then on', async () => {
    const token = await register('gw-gone');
    await call('DELETE', '/agents/gw-gone');
    await expect(
      mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, {
        clientId: 'gw-gone',
        username: 'gw-gone',
        password: token,
        reconnectPeriod: 0,
      }),
    ).rejects.toMatchObject({ code: 4 });
  });

  it('tells a real agent, which drops its flows; its session ends and its reconnects are refused', async () => {
    const token = await register('gw-real');
    const flow = `id: ping\nnamespace: retire\nrunsOn: {agents: [gw-real]}\ntasks:\n  - id: out\n    type: output\n    values: {ok: true}\n`;
    expect((await call('POST', '/flows', flow)).status).toBe(201);
    const agent = await startAgent({
      id: 'gw-real',
      token,
      hubUrl: `mqtt://127.0.0.1:${hub.mqttPort}`,
      dataDir: join(root, 'gw-real'),
      sync: { reconnectMinMs: 20, reconnectMaxMs: 200, lingerMs: 1 },
    });
    agents.push(agent);
    await eventually(() => expect(agent.appliedFlows().map((f) => f.id)).toEqual(['ping']));
    const connects = agent.syncStats()!.connects;
    const refusedBefore = await refusedLogins();

    expect((await call('DELETE', '/agents/gw-real')).status).toBe(204);
    await eventually(() => expect([agent.decommissioned, agent.appliedFlows()]).toEqual([true, []]));
    await eventually(async () => expect(await refusedLogins()).toBeGreaterThan(refusedBefore));
    expect(agent.syncStats()!.state).not.toBe('ACTIVE');
    expect(agent.syncStats()!.connects).toBe(connects);
    await eventually(async () => expect((await call('GET', '/agents/gw-real')).body.online).toBe(false));
  });
});
