/**
 * MQTT connections shared by the `mqtt` triggers and `mqtt.publish` tasks of
 * one runtime: one client per server, credentials and client id for the
 * subscriptions, another for the publishes, kept open across executions and
 * closed a while after their last user left.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { leanMqttPackets } from '../../protocol/mqtt-packets.js';
import type { SharedResource } from '../../protocol/plugin.js';
import { topicMatches } from './topics.js';

/** Key of the pool in `PluginHost.shared`. */
export const CONNECTIONS_KEY = 'mqtt.connections';

/** How long an unused connection stays open for the next publish. */
export const IDLE_CLOSE_MS = 60_000;

export interface ConnectionSettings {
  /** mqtt://, mqtts://, tcp://, ssl://, ws:// or wss:// URL. */
  url: string;
  username?: string;
  password?: string;
  /** Default: `tern-<random>`, one per pooled connection. */
  clientId?: string;
  /** 4 (MQTT 3.1.1, default) or 5. */
  protocolVersion?: 4 | 5;
}

/** What a subscriber receives for each message. */
export interface ReceivedMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
}

export type MessageListener = (message: ReceivedMessage) => void;

/** Undefined when a subscriber takes the next message now; else a promise of when it will. */
export type Hold = () => Promise<void> | undefined;

/** One user's hold on a pooled connection. */
export interface Lease {
  readonly client: MqttClient;
  /** Resolves once connected; rejects after `timeoutMs` or when `signal` aborts, naming the last error. */
  ready(timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /**
   * Subscribes `filters` and hands each matching message to `listener` until
   * released. While `hold` returns a promise, the connection takes no further
   * message (QoS 1 and 2 stay unacknowledged, so the broker holds them back).
   */
  subscribe(
    filters: readonly { topic: string; qos: 0 | 1 | 2 }[],
    listener: MessageListener,
    hold?: Hold,
  ): Promise<void>;
  /** Gives the connection back; its subscriptions end, and the connection closes once unused for a while. */
  release(): Promise<void>;
}

/** Kestra writes tcp:// and ssl:// (Paho); mqtt.js knows the same transports as mqtt:// and mqtts://. */
export function normaliseServerUrl(url: string): string {
  return url.replace(/^tcp:\/\//i, 'mqtt://').replace(/^ssl:\/\//i, 'mqtts://');
}

/** Why `url` is not a usable broker URL, or undefined. */
export function serverUrlProblem(url: string): string | undefined {
  if (!/^(tcp|mqtt|ssl|mqtts|ws|wss):\/\/[^/]/i.test(url))
    return `'${url}' is not an MQTT server URL (tcp://, mqtt://, ssl://, mqtts://, ws:// or wss://)`;
  return undefined;
}

interface Subscription {
  filters: readonly { topic: string; qos: 0 | 1 | 2 }[];
  listener: MessageListener;
  hold?: Hold;
}

/** One pooled client with the subscriptions of its users. */
class Connection {
  readonly client: MqttClient;
  users = 0;
  lastError: Error | undefined;
  idleTimer: NodeJS.Timeout | undefined;
  readonly subscriptions = new Set<Subscription>();
  /** How many subscriptions use each filter, and the highest QoS asked. */
  private readonly filters = new Map<string, { users: number; qos: 0 | 1 | 2 }>();

  constructor(settings: ConnectionSettings) {
    const options: IClientOptions = {
      clientId: settings.clientId ?? `tern-${randomBytes(6).toString('hex')}`,
      username: settings.username,
      password: settings.password,
      protocolVersion: settings.protocolVersion ?? 4,
      clean: true,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      keepalive: 30,
      // Pings on a fixed beat instead of re-arming a timer for every packet sent or received.
      reschedulePings: false,
      // mqtt.js's own debug logging formats its arguments for every packet, even when off.
      log: () => {},
    };
    leanMqttPackets();
    this.client = mqtt.connect(normaliseServerUrl(settings.url), options);
    this.client.setMaxListeners(0);
    // mqtt.js reads the next packet (and acknowledges this one) once this calls back, its
    // backpressure hook: a subscriber that cannot take another message holds the connection.
    this.client.handleMessage = (packet, callback) => {
      const held = this.held(packet.topic);
      if (held) void held.then(() => callback());
      else callback();
    };
    noDelay(this.client);
    // A reconnect makes a new socket: Nagle off on each one.
    this.client.on('connect', () => {
      this.lastError = undefined;
      noDelay(this.client);
    });
    this.client.on('error', (err) => {
      this.lastError = err;
    });
    this.client.on('message', (topic, payload, packet) => {
      const message: ReceivedMessage = { topic, payload, qos: packet.qos, retain: packet.retain };
      for (const sub of this.subscriptions) {
        if (sub.filters.some((f) => topicMatches(f.topic, topic))) sub.listener(message);
      }
    });
  }

  /** The first hold of a subscriber of `topic`, if any subscriber cannot take a message now. */
  private held(topic: string): Promise<void> | undefined {
    for (const sub of this.subscriptions) {
      if (!sub.hold || !sub.filters.some((f) => topicMatches(f.topic, topic))) continue;
      const held = sub.hold();
      if (held) return held;
    }
    return undefined;
  }

  async add(sub: Subscription): Promise<void> {
    this.subscriptions.add(sub);
    const wanted: Record<string, { qos: 0 | 1 | 2 }> = {};
    for (const { topic, qos } of sub.filters) {
      const entry = this.filters.get(topic);
      if (entry) {
        entry.users++;
        if (qos <= entry.qos) continue;
        entry.qos = qos;
      } else this.filters.set(topic, { users: 1, qos });
      wanted[topic] = { qos };
    }
    if (Object.keys(wanted).length > 0) await this.client.subscribeAsync(wanted);
  }

  async remove(sub: Subscription): Promise<void> {
    if (!this.subscriptions.delete(sub)) return;
    const unused: string[] = [];
    for (const { topic } of sub.filters) {
      const entry = this.filters.get(topic);
      if (!entry) continue;
      entry.users--;
      if (entry.users <= 0) {
        this.filters.delete(topic);
        unused.push(topic);
      }
    }
    if (unused.length > 0 && this.client.connected)
      await this.client.unsubscribeAsync(unused).catch(() => undefined);
  }
}

/**
 * What tells pooled connections apart, taken on every publish: the URL for
 * the usual anonymous MQTT 3.1.1 connection, else everything joined on
 * U+0000, which MQTT strings may not contain.
 */
function connectionKey(settings: ConnectionSettings): string {
  const { username, password, clientId, protocolVersion = 4 } = settings;
  const url = normaliseServerUrl(settings.url);
  if (!username && !password && !clientId && protocolVersion === 4) return url;
  return [url, username ?? '', password ?? '', clientId ?? '', protocolVersion].join('\u0000');
}

/** Nagle off: an event must not wait for the previous packet's ACK (bench/README.md). */
function noDelay(client: MqttClient): void {
  (client.stream as Partial<Socket> | undefined)?.setNoDelay?.(true);
}

/**
 * Sends what the client has written so far now. mqtt-packet corks the socket
 * for each packet and uncorks it on the next tick, which comes only after
 * every promise continuation queued meanwhile: an alert would wait for the
 * bookkeeping of the execution that sent it.
 */
export function writeNow(client: MqttClient): void {
  const stream = client.stream as Partial<Writable> | undefined;
  while (stream?.writableCorked) stream.uncork?.();
}

/**
 * The pool. Get it with `ctx.host.shared(CONNECTIONS_KEY, () => new MqttConnections())`.
 *
 * @example
 * const lease = pool.lease({ url: 'mqtt://127.0.0.1:1883' }, 'publish');
 * await lease.ready(10_000);
 * await lease.client.publishAsync('sensors/cold-room', '{"celsius": 9}');
 * await lease.release();
 */
export class MqttConnections implements SharedResource {
  private readonly connections = new Map<string, Connection>();
  private closed = false;

  constructor(private readonly idleCloseMs = IDLE_CLOSE_MS) {}

  /** Open connections (for tests and metrics). */
  get size(): number {
    return this.connections.size;
  }

  /**
   * A hold on the pooled connection for `settings`. Publishers and
   * subscribers get separate connections (unless the settings name the
   * client id, which only one connection may use): a subscription held by a
   * full trigger queue stops its connection from reading, and the executions
   * filling that queue could then never read the acknowledgements of what
   * they publish.
   */
  lease(settings: ConnectionSettings, purpose: 'subscribe' | 'publish' = 'subscribe'): Lease {
    if (this.closed) throw new Error('MQTT connections are closed: the runtime is stopping');
    const key =
      purpose === 'publish' && !settings.clientId
        ? `${connectionKey(settings)}\u0000publish`
        : connectionKey(settings);
    let connection = this.connections.get(key);
    if (!connection) {
      connection = new Connection(settings);
      this.connections.set(key, connection);
    }
    const conn = connection;
    clearTimeout(conn.idleTimer);
    conn.idleTimer = undefined;
    conn.users++;
    const mine = new Set<Subscription>();
    let released = false;
    return {
      client: conn.client,
      ready: (timeoutMs, signal) => whenConnected(conn, settings.url, timeoutMs, signal),
      subscribe: async (filters, listener, hold) => {
        const sub: Subscription = { filters, listener, hold };
        mine.add(sub);
        await conn.add(sub);
      },
      release: async () => {
        if (released) return;
        released = true;
        for (const sub of mine) await conn.remove(sub);
        conn.users--;
        if (conn.users > 0) return;
        conn.idleTimer = setTimeout(() => {
          if (conn.users > 0) return;
          this.connections.delete(key);
          conn.client.end(true);
        }, this.idleCloseMs);
        conn.idleTimer.unref();
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(
      all.map(async (conn) => {
        clearTimeout(conn.idleTimer);
        await conn.client.endAsync(false).catch(() => conn.client.end(true));
      }),
    );
  }
}

function whenConnected(
  conn: Connection,
  url: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const { client } = conn;
  if (client.connected) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      client.off('connect', onConnect);
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onConnect = () => done();
    const onAbort = () => done(new Error(`stopped while connecting to ${url}`));
    const timer = setTimeout(() => {
      const why = conn.lastError ? `: ${conn.lastError.message}` : '';
      done(new Error(`cannot connect to MQTT server ${url} within ${timeoutMs} ms${why}`));
    }, timeoutMs);
    client.on('connect', onConnect);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
