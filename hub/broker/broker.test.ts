/** The embedded broker against real mqtt.js clients over TCP and WebSocket. */
import { once } from 'node:events';
import { createServer, type Server as HttpServer } from 'node:http';
import { connect as connectTcp } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { type Broker, type BrokerStats, HUB_USERNAME, startBroker } from './broker.js';

const TOKENS: Record<string, string> = { 'gw-a': 'token-a', 'gw-b': 'token-b' };
const WAIT = { timeout: 5_000, interval: 10 };

type Transport = 'tcp' | 'ws';

let broker: Broker;
let http: HttpServer;
let wsPort = 0;
const clients: MqttClient[] = [];

beforeAll(async () => {
  broker = await startBroker({
    host: '127.0.0.1',
    port: 0,
    authenticateAgent: async (id, token) => TOKENS[id] === token,
  });
  http = createServer((_req, res) => res.writeHead(404).end());
  broker.attachWebSocket(http, '/mqtt');
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  wsPort = (http.address() as { port: number }).port;
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
});

afterAll(async () => {
  await broker.close();
  http.close();
});

function url(transport: Transport): string {
  return transport === 'tcp' ? `mqtt://127.0.0.1:${broker.port}` : `ws://127.0.0.1:${wsPort}/mqtt`;
}

async function connect(transport: Transport, options: IClientOptions): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url(transport), {
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    ...options,
  });
  clients.push(client);
  return client;
}

function agent(transport: Transport, id: string, extra: IClientOptions = {}): Promise<MqttClient> {
  return connect(transport, { clientId: id, username: id, password: TOKENS[id], ...extra });
}

function hub(transport: Transport): Promise<MqttClient> {
  return connect(transport, { clientId: 'hub-test', ...broker.hubCredentials });
}

/** Messages a client receives, as 'topic payload' strings, in arrival order. */
function inbox(client: MqttClient): string[] {
  const got: string[] = [];
  client.on('message', (topic, payload) => got.push(`${topic} ${payload.toString()}`));
  return got;
}

/** Resolves when the client's connection closes (mqtt.js' typed events do not fit `events.once`). */
function closedOnce(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.once('close', () => resolve()));
}

function delta(before: BrokerStats, key: keyof BrokerStats): number {
  return broker.stats()[key] - before[key];
}

describe.each<Transport>(['tcp', 'ws'])('broker over %s', (transport) => {
  it('refuses an agent with a wrong token', async () => {
    await expect(agent(transport, 'gw-a', { password: 'nope' })).rejects.toMatchObject({ code: 4 });
  });

  it('refuses an agent it does not know', async () => {
    await expect(
      connect(transport, { clientId: 'gw-z', username: 'gw-z', password: 'token-z' }),
    ).rejects.toMatchObject({ code: 4 });
  });

  it('refuses a client without credentials', async () => {
    await expect(connect(transport, { clientId: 'anon' })).rejects.toMatchObject({ code: 4 });
  });

  it('refuses the hub username with a wrong password', async () => {
    await expect(
      connect(transport, { clientId: 'fake-hub', username: HUB_USERNAME, password: 'guess' }),
    ).rejects.toMatchObject({ code: 4 });
  });

  it("refuses an agent that connects under another agent's client id", async () => {
    await expect(agent(transport, 'gw-a', { clientId: 'gw-b' })).rejects.toMatchObject({ code: 2 });
  });

  it("refuses an agent whose last will targets another agent's topic", async () => {
    const will = {
      topic: 'tern/v1/agents/gw-b/status',
      payload: Buffer.from('offline'),
      qos: 1 as const,
      retain: true,
    };
    await expect(agent(transport, 'gw-a', { will })).rejects.toMatchObject({ code: 5 });
  });

  it('lets an agent publish and subscribe on its own topics', async () => {
    const a = await agent(transport, 'gw-a', { clientId: 'gw-a:worker' });
    const got = inbox(a);
    await a.subscribeAsync('tern/v1/agents/gw-a/#', { qos: 1 });
    await a.publishAsync('tern/v1/agents/gw-a/events', 'batch-1', { qos: 1 });
    await vi.waitFor(() => expect(got).toEqual(['tern/v1/agents/gw-a/events batch-1']), WAIT);
  });

  it("denies an agent a subscription to another agent's topics", async () => {
    const a = await agent(transport, 'gw-a');
    await expect(a.subscribeAsync('tern/v1/agents/gw-b/cmd')).rejects.toMatchObject({
      packet: { granted: [128] },
    });
  });

  it('denies an agent a subscription to #', async () => {
    const a = await agent(transport, 'gw-a');
    await expect(a.subscribeAsync('#')).rejects.toMatchObject({ packet: { granted: [128] } });
  });

  it("denies an agent a wildcard subscription across agents' topics", async () => {
    const a = await agent(transport, 'gw-a');
    await expect(a.subscribeAsync('tern/v1/agents/+/status')).rejects.toMatchObject({
      packet: { granted: [128] },
    });
  });

  it('disconnects an agent that publishes outside its topics', async () => {
    const a = await agent(transport, 'gw-a');
    const closed = closedOnce(a);
    a.publish('tern/v1/agents/gw-b/events', 'forged', { qos: 1 });
    await closed;
    expect(a.connected).toBe(false);
  });

  it("does not deliver an agent's publish on another agent's topic to a hub subscriber", async () => {
    const h = await hub(transport);
    const got = inbox(h);
    await h.subscribeAsync('tern/v1/agents/+/events', { qos: 1 });
    const a = await agent(transport, 'gw-a');
    const b = await agent(transport, 'gw-b');
    const closed = closedOnce(a);
    a.publish('tern/v1/agents/gw-b/events', 'forged', { qos: 1 });
    await closed;
    // The broker handled the forged packet before dropping the connection; the sentinel comes after it.
    await b.publishAsync('tern/v1/agents/gw-b/events', 'sentinel', { qos: 1 });
    await vi.waitFor(() => expect(got).toContain('tern/v1/agents/gw-b/events sentinel'), WAIT);
    expect(got).toEqual(['tern/v1/agents/gw-b/events sentinel']);
  });

  it("does not deliver an agent's forged command to the target agent", async () => {
    const b = await agent(transport, 'gw-b');
    const got = inbox(b);
    await b.subscribeAsync('tern/v1/agents/gw-b/cmd', { qos: 1 });
    const a = await agent(transport, 'gw-a');
    const closed = closedOnce(a);
    a.publish('tern/v1/agents/gw-b/cmd', 'forged', { qos: 1 });
    await closed;
    const h = await hub(transport);
    await h.publishAsync('tern/v1/agents/gw-b/cmd', 'sentinel', { qos: 1 });
    await vi.waitFor(() => expect(got).toContain('tern/v1/agents/gw-b/cmd sentinel'), WAIT);
    expect(got).toEqual(['tern/v1/agents/gw-b/cmd sentinel']);
  });

  it('lets agents exchange data under the shared prefix', async () => {
    const b = await agent(transport, 'gw-b');
    const got = inbox(b);
    await b.subscribeAsync('tern/v1/data/#', { qos: 1 });
    const a = await agent(transport, 'gw-a');
    await a.publishAsync('tern/v1/data/line1/temperature', '21.5', { qos: 1 });
    await vi.waitFor(() => expect(got).toEqual(['tern/v1/data/line1/temperature 21.5']), WAIT);
  });

  it('lets the hub client see every topic', async () => {
    const h = await hub(transport);
    const got = inbox(h);
    await h.subscribeAsync('#', { qos: 1 });
    const a = await agent(transport, 'gw-a');
    const b = await agent(transport, 'gw-b');
    await a.publishAsync('tern/v1/agents/gw-a/hello', 'a', { qos: 1 });
    await b.publishAsync('tern/v1/data/x', 'b', { qos: 1 });
    await h.publishAsync('elsewhere/entirely', 'h', { qos: 1 });
    await vi.waitFor(() => expect(got).toHaveLength(3), WAIT);
    expect(got.sort()).toEqual(['elsewhere/entirely h', 'tern/v1/agents/gw-a/hello a', 'tern/v1/data/x b']);
  });

  it('delivers retained messages to exact and wildcard subscriptions', async () => {
    const h = await hub(transport);
    const topics = ['tern/v1/agents/gw-a/desired', 'tern/v1/agents/gw-b/desired'];
    for (const topic of topics) await h.publishAsync(topic, `r ${topic}`, { qos: 1, retain: true });
    try {
      const a = await agent(transport, 'gw-a');
      const own = inbox(a);
      await a.subscribeAsync('tern/v1/agents/gw-a/desired', { qos: 1 });
      await vi.waitFor(() => expect(own).toEqual([`${topics[0]} r ${topics[0]}`]), WAIT);

      const all = inbox(h);
      await h.subscribeAsync('tern/v1/agents/+/desired', { qos: 1 });
      await vi.waitFor(() => expect(all).toHaveLength(2), WAIT);
      expect(all.sort()).toEqual(topics.map((t) => `${t} r ${t}`));
    } finally {
      for (const topic of topics) await h.publishAsync(topic, '', { qos: 1, retain: true });
    }
  });

  it("lets the hub publish on an agent's command topic", async () => {
    const a = await agent(transport, 'gw-a');
    const got = inbox(a);
    await a.subscribeAsync('tern/v1/agents/gw-a/cmd', { qos: 1 });
    const h = await hub(transport);
    await h.publishAsync('tern/v1/agents/gw-a/cmd', 'ping', { qos: 1 });
    await vi.waitFor(() => expect(got).toEqual(['tern/v1/agents/gw-a/cmd ping']), WAIT);
  });

  it('survives garbage bytes and keeps serving new clients', async () => {
    const before = broker.stats();
    await sendGarbage(transport);
    await vi.waitFor(() => expect(delta(before, 'malformedPackets')).toBe(1), WAIT);
    const a = await agent(transport, 'gw-a');
    const got = inbox(a);
    await a.subscribeAsync('tern/v1/agents/gw-a/events', { qos: 1 });
    await a.publishAsync('tern/v1/agents/gw-a/events', 'still here', { qos: 1 });
    await vi.waitFor(() => expect(got).toEqual(['tern/v1/agents/gw-a/events still here']), WAIT);
  });

  it('ends every session of an agent on request, each told the farewell first, and no other', async () => {
    const a1 = await agent(transport, 'gw-a');
    const a2 = await agent(transport, 'gw-a', { clientId: 'gw-a:second' });
    const b = await agent(transport, 'gw-b');
    const told = [inbox(a1), inbox(a2)];
    const closed = Promise.all([closedOnce(a1), closedOnce(a2)]);
    const farewell = { topic: 'tern/v1/agents/gw-a/desired', payload: 'bye' };
    expect(broker.endAgentSessions('gw-a', farewell)).toBe(2);
    await closed;
    expect(told).toEqual([['tern/v1/agents/gw-a/desired bye'], ['tern/v1/agents/gw-a/desired bye']]);
    await b.publishAsync('tern/v1/agents/gw-b/hello', 'still connected', { qos: 1 });
    expect(b.connected).toBe(true);
  });

  it('forwards nothing an ended session sends after the end, nor anything to it', async () => {
    const a = await agent(transport, 'gw-a');
    const watcher = await hub(transport);
    const watched = inbox(watcher);
    await watcher.subscribeAsync(['tern/v1/agents/gw-a/events', 'tern/v1/data/marker'], { qos: 1 });
    const closed = closedOnce(a);
    broker.endAgentSessions('gw-a');
    a.publish('tern/v1/agents/gw-a/events', 'too late', { qos: 0 });
    await closed;
    await watcher.publishAsync('tern/v1/data/marker', 'after', { qos: 1 });
    await vi.waitFor(() => expect(watched).toEqual(['tern/v1/data/marker after']), WAIT);
  });

  it('counts refused connections', async () => {
    const before = broker.stats();
    await expect(agent(transport, 'gw-a', { password: 'nope' })).rejects.toThrow();
    await expect(agent(transport, 'gw-b', { password: 'nope' })).rejects.toThrow();
    expect(delta(before, 'rejectedConnections')).toBe(2);
  });

  it('counts denied subscriptions', async () => {
    const before = broker.stats();
    const a = await agent(transport, 'gw-a');
    await expect(a.subscribeAsync('#')).rejects.toThrow();
    await expect(a.subscribeAsync('tern/v1/agents/gw-b/cmd')).rejects.toThrow();
    expect(delta(before, 'deniedSubscribes')).toBe(2);
  });

  it('counts denied publishes', async () => {
    const before = broker.stats();
    const a = await agent(transport, 'gw-a');
    const closed = closedOnce(a);
    a.publish('tern/v1/agents/gw-b/reported', 'forged', { qos: 0 });
    await closed;
    expect(delta(before, 'deniedPublishes')).toBe(1);
  });
});

describe('broker lifecycle', () => {
  it('reports a failing credential check as server unavailable', async () => {
    const failing = await startBroker({
      host: '127.0.0.1',
      port: 0,
      authenticateAgent: () => Promise.reject(new Error('database down')),
    });
    try {
      const attempt = mqtt.connectAsync(`mqtt://127.0.0.1:${failing.port}`, {
        clientId: 'gw-a',
        username: 'gw-a',
        password: 'token-a',
        reconnectPeriod: 0,
      });
      await expect(attempt).rejects.toMatchObject({ code: 3 });
    } finally {
      await failing.close();
    }
  });

  it('refuses an agent whose credential check was under way when its sessions were ended', async () => {
    let checking!: () => void;
    let answer!: (ok: boolean) => void;
    const started = new Promise<void>((resolve) => (checking = resolve));
    const gated = await startBroker({
      host: '127.0.0.1',
      port: 0,
      authenticateAgent: () => {
        checking();
        return new Promise((resolve) => (answer = resolve));
      },
    });
    try {
      const attempt = mqtt.connectAsync(`mqtt://127.0.0.1:${gated.port}`, {
        clientId: 'gw-a',
        username: 'gw-a',
        password: 'token-a',
        reconnectPeriod: 0,
      });
      await started;
      gated.endAgentSessions('gw-a');
      answer(true);
      await expect(attempt).rejects.toMatchObject({ code: 4 });
    } finally {
      await gated.close();
    }
  });

  it('ends connected clients when it closes', async () => {
    const own = await startBroker({ host: '127.0.0.1', port: 0, authenticateAgent: async () => true });
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${own.port}`, {
      clientId: 'gw-a',
      username: 'gw-a',
      password: 'any',
      reconnectPeriod: 0,
    });
    const closed = closedOnce(client);
    await own.close();
    await closed;
    expect(client.connected).toBe(false);
  });

  it('refuses a shared prefix that overlaps the agent topics', async () => {
    await expect(
      startBroker({ port: 0, sharedPrefix: 'tern/v1/', authenticateAgent: async () => true }),
    ).rejects.toThrow(/overlaps/);
  });

  it('closes WebSocket upgrades on other paths when nothing else handles them', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${wsPort}/elsewhere`);
    const [err] = await once(socket, 'error');
    expect(err).toBeInstanceOf(Error);
  });
});

/** Opens a raw connection and sends bytes that are not MQTT. */
async function sendGarbage(transport: Transport): Promise<void> {
  const garbage = Buffer.from('GET / HTTP/1.1\r\nHost: nonsense\r\n\r\n\xff\xff\xff\xff');
  if (transport === 'tcp') {
    const socket = connectTcp(broker.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.on('error', () => {});
    socket.end(garbage);
    return;
  }
  const socket = new WebSocket(`ws://127.0.0.1:${wsPort}/mqtt`, 'mqtt');
  socket.on('error', () => {});
  await once(socket, 'open');
  socket.send(garbage);
}
