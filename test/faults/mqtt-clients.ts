/** Hand-driven MQTT clients for the rogue-client test: logins, a watcher with the hub's rights, publish attempts. */
import { connect as tcpConnect } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { onTestFinished } from 'vitest';
import { until } from './stand.js';

export interface Login {
  url: string;
  username?: string;
  password?: string;
  clientId?: string;
}

let clients = 0;

/** Connects once (no reconnect); rejects when the broker refuses. Closed when the test ends. */
export async function login({ url, username, password, clientId }: Login): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, {
    username,
    password,
    clientId: clientId ?? `${username ?? 'anonymous'}:fault-${++clients}`,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
  });
  onTestFinished(() => {
    client.end(true);
  });
  return client;
}

/** Connects with a persistent session and tells whether the broker had one for the client id; rejects when refused. */
export function resumesSession(as: Login): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(as.url, {
      username: as.username,
      password: as.password,
      clientId: as.clientId,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    client.once('connect', (connack) => {
      client.end(true);
      resolve(connack.sessionPresent);
    });
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
  });
}

/** What became of a publish: the broker closed the connection, or took it and delivered it, or not. */
export type Outcome = 'disconnected' | 'dropped' | 'delivered';

/**
 * A client with the hub's rights that sees every agent topic and the shared
 * data prefix, and so can tell whether a publish got through: a sentinel sent
 * after it on the shared prefix arrives after it, if it arrives at all.
 */
export class Watcher {
  private readonly seen: Array<{ topic: string; payload: string }> = [];
  private sentinels = 0;

  private constructor(client: MqttClient) {
    client.on('message', (topic, payload) => this.seen.push({ topic, payload: payload.toString() }));
  }

  static async start(hubLogin: Login): Promise<Watcher> {
    const client = await login(hubLogin);
    await client.subscribeAsync(['tern/v1/agents/#', 'tern/v1/data/#'], { qos: 1 });
    return new Watcher(client);
  }

  /** Messages seen whose payload contains `marker`. */
  saw(marker: string): Array<{ topic: string; payload: string }> {
    return this.seen.filter((m) => m.payload.includes(marker));
  }

  /** Publishes `payload` on `topic` over a new connection of `as`, and tells what came of it. */
  async attempt(as: Login, topic: string, payload: string, retain = false): Promise<Outcome> {
    const client = await login(as);
    const closed = new Promise<Outcome>((resolve) => client.once('close', () => resolve('disconnected')));
    const sentinel = `sentinel-${++this.sentinels}-${Math.random().toString(36).slice(2)}`;
    // Not awaited: after a denied publish mqtt.js may hold it for a reconnect that never comes.
    client.publish(topic, payload, { qos: 1, retain });
    client.publish(`tern/v1/data/faults/${sentinel}`, sentinel, { qos: 1 });
    const passed = until(() => {
      if (this.saw(sentinel).length === 0) throw new Error(`sentinel ${sentinel} not seen yet`);
      return this.seen.some((m) => m.topic === topic && m.payload === payload) ? 'delivered' : 'dropped';
    }, 10_000) as Promise<Outcome>;
    const outcome = await Promise.race([closed, passed]);
    client.end(true);
    return outcome;
  }
}

/** Writes bytes that are not MQTT to the broker's port and waits for the broker to close the socket. */
export function sendGarbage(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: '127.0.0.1', port }, () => {
      socket.write('GET / HTTP/1.1\r\nHost: broker\r\n\r\n');
    });
    socket.on('error', () => undefined);
    socket.once('close', () => resolve());
    socket.setTimeout(10_000, () => {
      socket.destroy();
      reject(new Error('the broker kept a connection that sent garbage'));
    });
  });
}

/** `tern_sync_invalid_messages_total` by kind, from Prometheus text. */
export function invalidMessages(metrics: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of metrics.matchAll(/^tern_sync_invalid_messages_total\{kind="(\w+)"\} (\d+)/gm))
    counts[m[1]!] = Number(m[2]);
  return counts;
}
