/** A session with Mosquitto's dynamic-security plugin: commands on `$CONTROL/dynamic-security/v1`, answers matched by correlation data. */
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../../protocol/logger.js';
import { loggable } from '../fleet/hub-client.js';

const CONTROL_TOPIC = '$CONTROL/dynamic-security/v1';
const RESPONSE_TOPIC = `${CONTROL_TOPIC}/response`;

/** One dynamic-security command, e.g. `{ command: 'deleteClient', username: 'gw-01' }`. */
export type DynsecCommand = { command: string } & Record<string, unknown>;

/** The plugin's answer to one command: `error` set when it was not done. */
export interface DynsecResponse {
  command: string;
  error?: string;
  data?: unknown;
}

/** What sends commands to the plugin (a {@link DynsecSession}, or a stand-in in unit tests). */
export interface DynsecCommands {
  /** Sends the commands in one message, run in order; resolves with one answer each, rejects when none came. */
  send(commands: readonly DynsecCommand[]): Promise<DynsecResponse[]>;
}

export interface DynsecSessionOptions {
  /** mqtt:// URL of the broker with the admin login (a client with the plugin's admin role). */
  url: string;
  logger: Logger;
  /** Called at each connection, the first one included (the hub reconciles then). */
  onConnect?: () => void;
  /** How long to wait for the plugin's answer; default 10 s. */
  timeoutMs?: number;
}

/**
 * The admin link to Mosquitto's dynamic-security plugin. It connects in the background and reconnects
 * by itself; a command sent while it is down fails at once rather than waiting in a queue, so the
 * caller's retry decides when to try again.
 *
 * @example
 * const session = DynsecSession.open({ url: 'mqtt://admin:pw@broker:1883', logger });
 * await session.send([{ command: 'disableClient', username: 'gw-01' }]);
 */
export class DynsecSession implements DynsecCommands {
  private readonly waiting = new Map<string, (responses: DynsecResponse[] | Error) => void>();
  private readonly timeoutMs: number;

  private constructor(
    private readonly client: MqttClient,
    options: DynsecSessionOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    const log = options.logger;
    const where = loggable(options.url);
    client.on('connect', () => {
      client.subscribe(RESPONSE_TOPIC, { qos: 1 }, (err) => {
        if (err) log.error({ broker: where, err: err.message }, 'cannot read the dynamic-security answers');
        else options.onConnect?.();
      });
    });
    client.on('close', () => this.failAll(new Error('the broker admin link closed')));
    client.on('error', (err) => log.warn({ broker: where, err: err.message }, 'broker admin link error'));
    client.on('message', (topic, payload) => {
      if (topic === RESPONSE_TOPIC) this.answer(payload);
    });
  }

  /** Starts connecting; the returned session is usable once connected. */
  static open(options: DynsecSessionOptions): DynsecSession {
    const client = mqtt.connect(options.url, {
      clientId: `tern-hub-admin-${randomUUID().slice(0, 8)}`,
      clean: true,
      reconnectPeriod: 1000,
      // A refused login (the plugin not loaded yet, the admin disabled for a while) is tried again too.
      reconnectOnConnackError: true,
      connectTimeout: 10_000,
    });
    return new DynsecSession(client, options);
  }

  get connected(): boolean {
    return this.client.connected;
  }

  send(commands: readonly DynsecCommand[]): Promise<DynsecResponse[]> {
    if (!this.client.connected) return Promise.reject(new Error('the broker admin link is down'));
    // One correlation id for the message: the plugin copies it into every answer of the batch.
    const id = randomUUID();
    const tagged = commands.map((c) => ({ ...c, correlationData: id }));
    return new Promise<DynsecResponse[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`no answer from the dynamic-security plugin within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.waiting.set(id, (result) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        if (result instanceof Error) reject(result);
        else resolve(result);
      });
      this.client.publish(CONTROL_TOPIC, JSON.stringify({ commands: tagged }), { qos: 1 }, (err) => {
        if (err) this.waiting.get(id)?.(err);
      });
    });
  }

  async close(): Promise<void> {
    this.failAll(new Error('the broker admin link is closed'));
    await this.client.endAsync(true);
  }

  private answer(payload: Buffer): void {
    let responses: Array<DynsecResponse & { correlationData?: string }>;
    try {
      responses = (JSON.parse(payload.toString('utf8')) as { responses: typeof responses }).responses;
    } catch {
      return;
    }
    if (!Array.isArray(responses)) return;
    // Another admin's answers come here too: only ours carry an id we wait for.
    const id = responses[0]?.correlationData;
    if (id !== undefined) this.waiting.get(id)?.(responses);
  }

  private failAll(err: Error): void {
    for (const settle of [...this.waiting.values()]) settle(err);
  }
}
