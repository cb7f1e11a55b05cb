/**
 * The agent's side of the sync protocol (docs/protocol.md): one MQTT session to the
 * hub's broker, our own reconnect with backoff, the outbox drained in seq
 * order with at most `maxInFlight` unacknowledged batches, and the hub's
 * `desired`, `ack` and `cmd` messages validated on receipt.
 */
import type { Socket } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { backoffDelay } from '../../protocol/backoff.js';
import type { Logger } from '../../protocol/logger.js';
import {
  type Command,
  type Desired,
  type Hello,
  parseMessage,
  type Reported,
  type Status,
} from '../../protocol/messages.js';
import { leanMqttPackets } from '../../protocol/mqtt-packets.js';
import {
  AGENT_TOPIC_KINDS,
  type AgentTopicKind,
  agentTopic,
  HUB_TO_AGENT_KINDS,
  parseAgentTopic,
} from '../../protocol/topics.js';
import type { SyncTuning } from '../config.js';
import { describeCertificateError, type TlsClientOptions } from '../hub-trust.js';
import { Connection, type ConnectionState, type TransitionListener } from './connection.js';
import { Drain, type DrainStats } from './drain.js';
import type { OpenedDocument } from './hub-keys.js';
import type { Outbox } from './outbox.js';

export interface SyncClientOptions {
  url: string;
  /** How the hub's certificate is verified over mqtts:// and wss:// (default: the system's CAs). */
  tls?: TlsClientOptions;
  agentId: string;
  token?: string;
  tuning: SyncTuning;
  outbox: Outbox;
  logger: Logger;
  /** The hello to send on each connect. */
  hello(): Hello;
  /** What the periodic status carries besides state and since. */
  status(): Pick<Status, 'version' | 'load' | 'outbox' | 'triggers'>;
  onDesired(desired: Desired): void;
  /** Opens the hub's signed documents: a `desired` it refuses is logged, counted and not applied. */
  hubKeys: { open(document: Uint8Array, topic: string): OpenedDocument };
  /**
   * Handles a command; resolves once its effect and its answer are durable,
   * with false when it was not taken and must come again. Only a taken
   * command gets its PUBACK, and only then: a command the agent dies holding,
   * or leaves as it stops, is delivered again instead of lost.
   */
  onCommand(command: Command): Promise<boolean>;
  /** Jitter source; tests pass a fixed one. */
  random?: () => number;
}

export interface SyncStats extends DrainStats {
  state: ConnectionState;
  /** Sessions that reached ACTIVE. */
  connects: number;
  /** Received messages that failed validation, in all and by topic (refused signatures included). */
  invalidMessages: number;
  /** Desired states refused for their signature: unsigned, altered, or signed by a key not trusted. */
  refusedSignatures: number;
  invalidByKind: Partial<Record<AgentTopicKind, number>>;
}

/** Tells mqtt.js to leave a message unacknowledged (it goes on reading the next one). */
const NOT_TAKEN = new Error('command left for the next session');

/** How long a clean close waits for the broker before dropping the socket. */
const CLOSE_TIMEOUT_MS = 2000;

/**
 * A persistent MQTT session (`clean: false`, client id = agent id): commands
 * and acks the hub publishes while the agent is briefly away wait in the
 * broker and arrive on reconnect. Events need no such help: whatever was not
 * acknowledged is sent again from the outbox, and the hub deduplicates by seq.
 */
export class SyncClient {
  private readonly connection = new Connection();
  private readonly drain: Drain;
  private readonly log: Logger;
  private readonly topics: Record<AgentTopicKind, string>;
  private client: MqttClient | undefined;
  private started = false;
  private attempt = 0;
  private onlineSince = '';
  private retryTimer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private readonly detach: Array<() => void> = [];
  private readonly counters = { connects: 0, invalidMessages: 0, refusedSignatures: 0 };
  private readonly invalidByKind: Partial<Record<AgentTopicKind, number>> = {};

  constructor(private readonly options: SyncClientOptions) {
    this.log = options.logger.child({ component: 'sync', agentId: options.agentId });
    this.drain = new Drain(options.outbox, options.tuning, this.log);
    this.topics = Object.fromEntries(
      AGENT_TOPIC_KINDS.map((k) => [k, agentTopic(options.agentId, k)]),
    ) as Record<AgentTopicKind, string>;
    this.connection.onTransition((to, from, event) =>
      this.log.debug({ from, to, event }, 'connection state'),
    );
    if (options.tls?.rejectUnauthorized === false)
      this.log.warn(
        { url: options.url },
        "TLS certificate verification is OFF (insecure-skip-tls-verify): anyone between this agent and the hub can pose as the hub and read the agent's token",
      );
  }

  get state(): ConnectionState {
    return this.connection.state;
  }

  /** Calls `listener` after every connection state change. */
  onStateChange(listener: TransitionListener): () => void {
    return this.connection.onTransition(listener);
  }

  /** Opens the first connection; reconnects on its own from then on, until {@link close}. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const { outbox } = this.options;
    this.detach.push(
      outbox.onAppend(() => this.drain.schedule()),
      outbox.onFullChange(() => this.publishStatus()),
    );
    this.connect();
  }

  stats(): SyncStats {
    return {
      state: this.connection.state,
      ...this.counters,
      invalidByKind: { ...this.invalidByKind },
      ...this.drain.stats(),
    };
  }

  /** Publishes what came of a `desired`; false when not connected (the retained `desired` comes again on reconnect). */
  publishReported(reported: Reported): boolean {
    return this.publish('reported', reported);
  }

  /** Publishes the retained online status now (it also goes every `statusIntervalMs`). */
  publishStatus(): void {
    if (this.connection.state !== 'ACTIVE') return;
    const status: Status = { state: 'online', since: this.onlineSince, ...this.options.status() };
    this.publish('status', status, true);
  }

  /**
   * Sends events batches until `maxInFlight` are unacknowledged or the outbox
   * has nothing more. Runs by itself on acks and appends; exposed so a caller
   * can drain at a moment of its choosing.
   */
  pump(): void {
    this.drain.pump();
  }

  /** Publishes a retained offline status, ends the session and stops reconnecting. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    for (const detach of this.detach.splice(0)) detach();
    clearTimeout(this.retryTimer);
    this.endSession();
    const client = this.client;
    const wasActive = this.connection.state === 'ACTIVE';
    this.connection.fire('close');
    if (client) {
      // Each step ends early if the socket goes: mqtt.js would keep the publish for a reconnect that never comes.
      const gone = new Promise<void>((resolve) => {
        if (!client.connected) resolve();
        client.once('close', () => resolve());
      });
      if (wasActive && client.connected) {
        const offline: Status = { state: 'offline', since: new Date().toISOString() };
        const sent = client.publishAsync(this.topics.status, JSON.stringify(offline), {
          qos: 1,
          retain: true,
        });
        await within(Promise.race([sent, gone]), CLOSE_TIMEOUT_MS);
      }
      if (client.connected) await within(Promise.race([client.endAsync(false), gone]), CLOSE_TIMEOUT_MS);
      client.end(true);
    }
    this.client = undefined;
    this.connection.fire('closed');
    this.log.info({}, 'sync stopped');
  }

  private connect(): void {
    const { url, agentId, token, tuning, tls } = this.options;
    const will: Status = { state: 'offline', since: new Date().toISOString() };
    let client: MqttClient;
    try {
      leanMqttPackets();
      client = mqtt.connect(url, {
        clientId: agentId,
        username: agentId,
        password: token,
        clean: false,
        protocolVersion: 4,
        keepalive: tuning.keepaliveSeconds,
        connectTimeout: tuning.connectTimeoutMs,
        reconnectPeriod: 0,
        resubscribe: false,
        will: { topic: this.topics.status, payload: Buffer.from(JSON.stringify(will)), qos: 1, retain: true },
        // mqtts:// reads these from the options, wss:// from wsOptions; plain URLs ignore both. ws hands
        // its options to tls.connect, whose checkServerIdentity returns an Error, not ws's typed boolean.
        ...tls,
        ...(tls && { wsOptions: { ...tls } as IClientOptions['wsOptions'] }),
      });
    } catch (err) {
      this.log.error({ err: (err as Error).message, url }, 'cannot connect to the hub');
      this.connection.fire('lost');
      this.scheduleRetry();
      return;
    }
    this.client = client;
    noDelay(client);
    client.on('connect', () => this.onConnect(client));
    // Instead of the 'message' event: mqtt.js sends a message's PUBACK when this calls back without an error.
    client.handleMessage = (packet, done) => {
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      let handled: Promise<boolean> | undefined;
      try {
        handled = this.onMessage(packet.topic, payload);
      } catch (err) {
        // Nothing the hub sends may stop the agent; acks are cumulative and batches unacked are sent again.
        this.log.error({ err: (err as Error).message, topic: packet.topic }, 'cannot handle a hub message');
      }
      if (handled) void handled.then((taken) => done(taken ? undefined : NOT_TAKEN));
      else done();
    };
    client.on('error', (err) => {
      if (client !== this.client) return;
      const refused = describeCertificateError(err);
      if (refused)
        this.log.error(
          { url, reason: refused },
          "refusing to connect: the hub's TLS certificate is not trusted",
        );
      else this.log.warn({ err: err.message, url }, 'hub connection error');
    });
    client.on('close', () => this.onClose(client));
  }

  private onConnect(client: MqttClient): void {
    if (client !== this.client) return;
    noDelay(client);
    client.subscribe(
      Object.fromEntries(HUB_TO_AGENT_KINDS.map((k) => [this.topics[k], { qos: 1 as const }])),
      (err, granted) => {
        if (client !== this.client) return;
        if (err) {
          this.log.error({ err: err.message }, 'subscription failed; reconnecting');
          client.end(true);
          return;
        }
        const refused = (granted ?? []).filter((g) => g.qos === 128).map((g) => g.topic);
        if (refused.length > 0) this.log.error({ topics: refused }, 'the broker refused subscriptions');
        if (!this.connection.fire('connected')) return;
        this.attempt = 0;
        this.counters.connects++;
        this.onlineSince = new Date().toISOString();
        this.publish('hello', this.options.hello());
        this.publishStatus();
        this.statusTimer = setInterval(() => this.publishStatus(), this.options.tuning.statusIntervalMs);
        this.statusTimer.unref();
        this.log.info(
          { url: this.options.url, ackedSeq: this.options.outbox.ackedSeq },
          'connected to the hub',
        );
        this.drain.begin((payload, lastSeq) =>
          client.publish(this.topics.events, payload, { qos: 1 }, (err) => {
            // Nothing to do: unacknowledged records are sent again on the next session.
            if (err) this.log.debug({ err: err.message, lastSeq }, 'events batch not delivered');
          }),
        );
      },
    );
  }

  private onClose(client: MqttClient): void {
    if (client !== this.client) return;
    this.client = undefined;
    this.endSession();
    client.end(true);
    if (!this.connection.fire('lost')) return;
    this.log.info({}, 'hub connection lost');
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    const { reconnectMinMs: minMs, reconnectMaxMs: maxMs } = this.options.tuning;
    const delay = backoffDelay(this.attempt++, { minMs, maxMs }, this.options.random);
    this.log.debug({ delay, attempt: this.attempt }, 'reconnect scheduled');
    // Not unref'd: an agent waiting to reconnect is still at work.
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.connection.fire('retry')) this.connect();
    }, delay);
  }

  /** Validates and dispatches one message; for a command, whether to acknowledge it, once known. */
  private onMessage(topic: string, payload: Buffer): Promise<boolean> | undefined {
    const target = parseAgentTopic(topic);
    if (!target || target.agentId !== this.options.agentId) return;
    switch (target.kind) {
      case 'ack': {
        const msg = parseMessage('ack', payload);
        if (msg.ok) this.drain.acked(msg.value.seq);
        else this.invalid('ack', msg.error);
        return;
      }
      case 'desired': {
        // An empty retained payload is how a retained message is cleared: not a message.
        if (payload.length === 0) return;
        const opened = this.options.hubKeys.open(payload, topic);
        if (!opened.ok) {
          this.refuseSignature(opened.reason);
          return;
        }
        const msg = parseMessage('desired', opened.payload);
        if (msg.ok) this.deliver('desired', () => this.options.onDesired(msg.value));
        else this.invalid('desired', msg.error);
        return;
      }
      case 'cmd': {
        const msg = parseMessage('cmd', payload);
        if (msg.ok)
          return Promise.resolve()
            .then(() => this.options.onCommand(msg.value))
            .catch((err: unknown) => {
              this.log.error({ kind: 'cmd', err: (err as Error).message }, 'handling a hub message failed');
              return true;
            });
        this.invalid('cmd', msg.error);
        this.refuseCommand(payload, msg.error);
        return;
      }
      default:
        return;
    }
  }

  /** A command with a readable id gets an answer even when invalid, so the hub is not left waiting. */
  private refuseCommand(payload: Buffer, error: string): void {
    let id: unknown;
    try {
      id = (JSON.parse(payload.toString('utf8')) as { id?: unknown })?.id;
    } catch {
      return;
    }
    if (typeof id === 'string' && id !== '')
      this.options.outbox.appendCommand({ commandId: id, ok: false, error });
  }

  private deliver(kind: AgentTopicKind, handle: () => void): void {
    try {
      handle();
    } catch (err) {
      this.log.error({ kind, err: (err as Error).message }, 'handling a hub message failed');
    }
  }

  /** Anyone but the hub could have sent it (a broker or a hub login in the wrong hands): nothing changes. */
  private refuseSignature(reason: string): void {
    this.counters.invalidMessages++;
    this.counters.refusedSignatures++;
    this.invalidByKind.desired = (this.invalidByKind.desired ?? 0) + 1;
    this.log.error(
      { kind: 'desired', reason },
      'desired state refused: not signed by the hub; the flows applied before keep running',
    );
  }

  private invalid(kind: AgentTopicKind, error: string): void {
    this.counters.invalidMessages++;
    this.invalidByKind[kind] = (this.invalidByKind[kind] ?? 0) + 1;
    this.log.warn({ kind, error }, 'invalid message ignored');
  }

  private publish(kind: AgentTopicKind, message: object, retain = false): boolean {
    const client = this.client;
    if (!client?.connected) return false;
    client.publish(this.topics[kind], JSON.stringify(message), { qos: 1, retain }, (err) => {
      if (err) this.log.debug({ kind, err: err.message }, 'publish not delivered');
    });
    return true;
  }

  private endSession(): void {
    this.drain.end();
    clearInterval(this.statusTimer);
    this.statusTimer = undefined;
  }
}

/** Nagle off: a batch or a status is one small write that must not wait for the previous one's ACK. */
function noDelay(client: MqttClient): void {
  (client.stream as Partial<Socket> | undefined)?.setNoDelay?.(true);
}

/** Waits for `promise` to settle, or `ms` at most; never rejects. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([promise.catch(() => undefined), timeout]);
  clearTimeout(timer);
}
