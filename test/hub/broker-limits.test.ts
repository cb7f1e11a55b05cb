/**
 * The hub's embedded broker against clients that misbehave before they
 * authenticate, over real sockets: the real hub (PGlite) in this process, so
 * that its memory is this process's, and a real agent beside them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { type Agent, startAgent } from '../../agent/agent.js';
import { type Hub, startHub as startHubWith } from '../../hub/hub.js';
import { agentTopic } from '../../protocol/topics.js';
import type { HubBrokerLimits } from '../../runtime/broker-guard/limits.js';
import { HubApiClient } from '../faults/hub-process.js';
import { issueServerCertificate, makeCa } from '../support/certificates.js';
import { startTestHub } from '../support/hub-api.js';
import {
  closedWithin,
  connectHeader,
  floodConnect,
  floodConnectOverWebSocket,
  openSocket,
  rssGrowthDuring,
} from '../support/mqtt-flood.js';

const ADMIN = 'tern_broker_limits_admin_token_0123456789';
const MiB = 1024 * 1024;
const root = mkdtempSync(join(tmpdir(), 'tern-broker-limits-'));
const sockets: Array<Socket | WebSocket> = [];
const clients: MqttClient[] = [];
const agents: Agent[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s instanceof WebSocket ? s.terminate() : s.destroy();
  for (const c of clients.splice(0)) await c.endAsync(true);
  for (const a of agents.splice(0)) await a.close();
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const eventually = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 15_000, interval: 20 });

async function startHub(name: string, mqttLimits: Partial<HubBrokerLimits>): Promise<Hub> {
  return startTestHub(join(root, name), ADMIN, { mqttLimits });
}

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies freely; the assertions check them.
async function call(hub: Hub, method: string, path: string, body?: unknown): Promise<any> {
  return (await new HubApiClient(hub.url, ADMIN).call(method, path, body)).body;
}

/** The value of one Prometheus sample of the hub, 0 when absent. */
async function metric(hub: Hub, sample: string): Promise<number> {
  const text = await new HubApiClient(hub.url, ADMIN).metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

async function open(hub: Hub, localAddress?: string): Promise<Socket> {
  const socket = await openSocket(hub.mqttPort!, localAddress);
  sockets.push(socket);
  return socket;
}

/** Registers an agent and starts it, with one flow assigned that it runs on request. */
async function runningAgent(hub: Hub, id: string): Promise<{ agent: Agent; token: string }> {
  const yaml = `id: ping\nnamespace: ${id}\nrunsOn: {agents: [${id}]}\ntasks:\n  - id: out\n    type: output\n    values: {ok: true}\n`;
  expect((await new HubApiClient(hub.url, ADMIN).call('POST', '/flows', yaml)).status).toBe(201);
  const { token } = await call(hub, 'POST', '/agents', { id });
  const agent = await startAgent({
    id,
    token,
    hubUrl: `mqtt://127.0.0.1:${hub.mqttPort}`,
    dataDir: join(root, id),
    sync: { reconnectMinMs: 20, reconnectMaxMs: 200, lingerMs: 1 },
  });
  agents.push(agent);
  await eventually(() => expect(agent.appliedFlows().map((f) => f.id)).toEqual(['ping']));
  return { agent, token };
}

/** Runs the agent's flow through the API and waits until the hub has stored it SUCCESS. */
async function agentRunsAFlow(hub: Hub, id: string): Promise<void> {
  const started = await call(hub, 'POST', `/executions/${id}/ping?agent=${id}`);
  const executionId = started.executionIds[0] as string;
  await eventually(async () =>
    expect((await call(hub, 'GET', `/executions/${executionId}`)).state).toBe('SUCCESS'),
  );
}

describe('packet sizes', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub('sizes', {});
  }, 60_000);
  afterAll(() => hub?.close());

  it('cuts 24 CONNECTs declaring 256 MB at their header, and the hub does not buffer their bodies', async () => {
    const floods = await Promise.all(Array.from({ length: 24 }, () => open(hub)));
    // 384 MiB offered in all: buffered, it would show many times over the bound.
    const { result: sent, growth } = await rssGrowthDuring(() =>
      Promise.all(floods.map((s) => floodConnect(s, 16 * MiB))),
    );
    const closed = await Promise.all(floods.map((s) => closedWithin(s, 5000)));
    expect(closed.every(Boolean)).toBe(true);
    expect(Math.max(...sent)).toBeLessThan(16 * MiB);
    expect(growth).toBeLessThan(64 * MiB);
    expect(await metric(hub, 'tern_mqtt_connections_closed_total{reason="packet_too_large"}')).toBe(24);
  });

  it('cuts a CONNECT declaring 256 MB over WebSocket, sent in small messages', async () => {
    const { result: ws, growth } = await rssGrowthDuring(() =>
      floodConnectOverWebSocket(`${hub.url.replace(/^http/, 'ws')}/mqtt`, 32 * MiB),
    );
    sockets.push(ws);
    expect(await closedWithin(ws, 5000)).toBe(true);
    expect(growth).toBeLessThan(24 * MiB);
  });

  it("cuts an agent's packet above the agent limit, and lets the hub's own session send a larger one", async () => {
    const { token } = await call(hub, 'POST', '/agents', { id: 'gw-big' });
    const agent = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, {
      clientId: 'gw-big',
      username: 'gw-big',
      password: token,
      reconnectPeriod: 0,
    });
    const privileged = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, {
      ...hub.brokerCredentials!,
      clientId: 'hub-test',
      reconnectPeriod: 0,
    });
    clients.push(agent, privileged);
    const cutBefore = await metric(hub, 'tern_mqtt_connections_closed_total{reason="packet_too_large"}');
    agent.publish(agentTopic('gw-big', 'events'), Buffer.alloc(2 * MiB, 0x20), { qos: 1 });
    await eventually(() => expect(agent.connected).toBe(false));
    expect(await metric(hub, 'tern_mqtt_connections_closed_total{reason="packet_too_large"}')).toBe(
      cutBefore + 1,
    );
    await privileged.publishAsync('tern/v1/data/big', Buffer.alloc(2 * MiB), { qos: 1 });
    expect(privileged.connected).toBe(true);
  });
});

describe('sockets that do not authenticate', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub('idle', { connectTimeoutMs: 1500 });
  }, 60_000);
  afterAll(() => hub?.close());

  it('closes a socket that sends nothing, and one that sends half a CONNECT, once the connect timeout passes', async () => {
    const silent = await open(hub);
    const slow = await open(hub);
    slow.write(connectHeader(100));
    const start = performance.now();
    const closed = await Promise.all([closedWithin(silent, 6000), closedWithin(slow, 6000)]);
    const elapsed = performance.now() - start;
    expect(closed).toEqual([true, true]);
    expect(elapsed).toBeGreaterThan(1000);
    expect(await metric(hub, 'tern_mqtt_connections_closed_total{reason="connect_timeout"}')).toBe(2);
  });
});

describe('caps at accept time', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub('caps', {
      maxPending: 6,
      maxPendingPerAddress: 3,
      connectsPerSecondPerAddress: 1,
      connectBurstPerAddress: 5,
    });
  }, 60_000);
  afterAll(() => hub?.close());

  it('refuses connections beyond the caps on unauthenticated ones while an authenticated agent keeps working', async () => {
    await runningAgent(hub, 'gw-steady');
    const first = await Promise.all([1, 2, 3].map(() => open(hub, '127.0.0.2')));
    const overAddress = await open(hub, '127.0.0.2');
    const second = await Promise.all([1, 2, 3].map(() => open(hub, '127.0.0.3')));
    const overTotal = await open(hub, '127.0.0.4');
    expect(await closedWithin(overAddress, 2000)).toBe(true);
    expect(await closedWithin(overTotal, 2000)).toBe(true);
    // The ones taken are still open, waiting for their CONNECT.
    expect([...first, ...second].map((s) => s.closed)).toEqual(Array(6).fill(false));
    await agentRunsAFlow(hub, 'gw-steady');
    expect(await metric(hub, 'tern_mqtt_connections_refused_total{reason="pending_per_address"}')).toBe(1);
    expect(await metric(hub, 'tern_mqtt_connections_refused_total{reason="pending"}')).toBe(1);
    expect(await metric(hub, 'tern_mqtt_pending_connections')).toBe(6);
  });

  it('refuses an address that connects faster than its rate, and not another one', async () => {
    for (let i = 0; i < 5; i++) {
      (await open(hub, '127.0.0.5')).destroy();
      await eventually(async () => expect(await metric(hub, 'tern_mqtt_pending_connections')).toBe(0));
    }
    const tooSoon = await open(hub, '127.0.0.5');
    const elsewhere = await open(hub, '127.0.0.6');
    expect(await closedWithin(tooSoon, 2000)).toBe(true);
    expect(elsewhere.closed).toBe(false);
    expect(await metric(hub, 'tern_mqtt_connections_refused_total{reason="rate"}')).toBe(1);
  });

  it('refuses a WebSocket upgrade over the caps with 503', async () => {
    const held = await Promise.all([1, 2, 3].map(() => open(hub, '127.0.0.7')));
    expect(held.every((s) => !s.closed)).toBe(true);
    const ws = new WebSocket(`${hub.url.replace(/^http/, 'ws')}/mqtt`, 'mqtt', { localAddress: '127.0.0.7' });
    sockets.push(ws);
    const status = await new Promise<number>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', () => resolve(-1));
      ws.once('open', () => resolve(101));
    });
    expect(status).toBe(503);
  });
});

describe('MQTT over TLS', () => {
  let hub: Hub;
  let caFile: string;
  beforeAll(async () => {
    const ca = makeCa(root, 'ca');
    caFile = ca.certFile;
    const server = issueServerCertificate(ca, join(root, 'tls'), 'hub');
    hub = await startHubWith({
      port: 0,
      host: '127.0.0.1',
      mqttPort: 0,
      mqttsPort: 0,
      dataDir: join(root, 'tls-hub'),
      adminToken: ADMIN,
      tls: { certFile: server.certFile, keyFile: server.keyFile },
      mqttLimits: { maxPendingPerAddress: 2 },
    });
  }, 60_000);
  afterAll(() => hub?.close());

  /** A TLS connection to the hub's MQTT-over-TLS port, its handshake done. */
  async function openTls(): Promise<Socket> {
    const socket = tlsConnect({ host: '127.0.0.1', port: hub.mqttsPort!, ca: readFileSync(caFile) });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    return socket;
  }

  it('cuts a CONNECT declaring 256 MB at its header, as on plain MQTT', async () => {
    const socket = await openTls();
    const sent = await floodConnect(socket, 16 * MiB);
    expect(await closedWithin(socket, 5000)).toBe(true);
    expect(sent).toBeLessThan(16 * MiB);
  });

  it('counts connections still in their handshake against the per-address cap', async () => {
    const first = await openSocket(hub.mqttsPort!);
    const second = await openSocket(hub.mqttsPort!);
    sockets.push(first, second);
    const third = await openSocket(hub.mqttsPort!);
    sockets.push(third);
    expect(await closedWithin(third, 5000)).toBe(true);
    expect(await closedWithin(first, 200)).toBe(false);
  });
});
