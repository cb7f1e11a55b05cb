/**
 * The tests' stand-in for the hub's side of the sync protocol: a privileged
 * MQTT client that listens on one agent's topics, stores events by seq (as
 * the hub does, idempotently), acks them if told to, and publishes desired
 * state (signed with a key of its own, which agents trust on first use) and commands. It is not the
 * hub; it speaks just enough of it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { type Broker, startBroker } from '../../hub/broker/broker.js';
import {
  type Command,
  type Desired,
  type EventRecord,
  type Hello,
  parseMessage,
  type Reported,
  type Status,
} from '../../protocol/messages.js';
import { type DocumentSigner, publicKeyText, signDocument } from '../../protocol/signing.js';
import { agentTopic, agentTopicPrefix, parseAgentTopic } from '../../protocol/topics.js';

export interface StandInOptions {
  url: string;
  username?: string;
  password?: string;
  agentId: string;
  /** Ack each events batch once stored (default true). */
  autoAck?: boolean;
  /** Records stored so far, shared between stand-ins across a broker restart. */
  records?: Map<number, EventRecord>;
  /** The signing key, shared between stand-ins across a broker restart (default: a key of its own). */
  signer?: DocumentSigner;
}

export class HubStandIn {
  readonly hello: Hello[] = [];
  readonly status: { value: Status; retained: boolean }[] = [];
  readonly reported: Reported[] = [];
  /** Every events batch as received, duplicates included. */
  readonly batches: EventRecord[][] = [];
  /** The `after` of each batch in {@link batches}: the seq it follows. */
  readonly afters: number[] = [];
  readonly records: Map<number, EventRecord>;
  /** Messages the stand-in could not parse: would be a protocol violation by the agent. */
  readonly invalid: string[] = [];
  autoAck: boolean;
  /** Signs what {@link desire} publishes. */
  readonly signer: DocumentSigner;

  private constructor(
    private readonly client: MqttClient,
    private readonly agentId: string,
    options: StandInOptions,
  ) {
    this.autoAck = options.autoAck ?? true;
    this.records = options.records ?? new Map();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    this.signer = options.signer ?? { privateKey, publicKey: publicKeyText(publicKey), endorsements: [] };
    client.on('message', (topic, payload, packet) => this.receive(topic, payload, packet.retain));
  }

  static async connect(options: StandInOptions): Promise<HubStandIn> {
    const client = await mqtt.connectAsync(options.url, {
      username: options.username,
      password: options.password,
      clientId: `stand-in-${Math.random().toString(36).slice(2)}`,
      reconnectPeriod: 0,
      protocolVersion: 4,
    });
    const standIn = new HubStandIn(client, options.agentId, options);
    await client.subscribeAsync(`${agentTopicPrefix(options.agentId)}#`, { qos: 1 });
    return standIn;
  }

  /** Records received so far, in seq order, each seq once. */
  stored(): EventRecord[] {
    return [...this.records.values()].sort((a, b) => a.seq - b.seq);
  }

  /** The command answers received so far, by command id. */
  answers(): Map<string, Record<string, unknown>> {
    const out = new Map<string, Record<string, unknown>>();
    for (const r of this.stored()) if (r.kind === 'command') out.set(String(r.data.commandId), r.data);
    return out;
  }

  /** Publishes `desired` (or any payload) signed, as the hub does. */
  async desire(desired: Desired | string | Buffer, retain = true): Promise<void> {
    const payload = Buffer.isBuffer(desired)
      ? desired
      : Buffer.from(typeof desired === 'string' ? desired : JSON.stringify(desired));
    const topic = agentTopic(this.agentId, 'desired');
    await this.client.publishAsync(topic, signDocument(payload, topic, this.signer), { qos: 1, retain });
  }

  async command(command: Command | string): Promise<void> {
    const payload = typeof command === 'string' ? command : JSON.stringify(command);
    await this.client.publishAsync(agentTopic(this.agentId, 'cmd'), payload, { qos: 1 });
  }

  async ack(seq: number): Promise<void> {
    await this.client.publishAsync(agentTopic(this.agentId, 'ack'), JSON.stringify({ seq }), { qos: 1 });
  }

  /** Publishes any payload on one of the agent's topics, valid or not. */
  async publishRaw(kind: 'desired' | 'ack' | 'cmd', payload: string | Buffer, retain = false): Promise<void> {
    await this.client.publishAsync(agentTopic(this.agentId, kind), payload, { qos: 1, retain });
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }

  private receive(topic: string, payload: Buffer, retained: boolean): void {
    const target = parseAgentTopic(topic);
    if (!target) return;
    switch (target.kind) {
      case 'hello': {
        const m = parseMessage('hello', payload);
        if (m.ok) this.hello.push(m.value);
        else this.invalid.push(m.error);
        return;
      }
      case 'status': {
        if (payload.length === 0) return;
        const m = parseMessage('status', payload);
        if (m.ok) this.status.push({ value: m.value, retained });
        else this.invalid.push(m.error);
        return;
      }
      case 'reported': {
        const m = parseMessage('reported', payload);
        if (m.ok) this.reported.push(m.value);
        else this.invalid.push(m.error);
        return;
      }
      case 'events': {
        const m = parseMessage('events', payload);
        if (!m.ok) {
          this.invalid.push(m.error);
          return;
        }
        this.batches.push(m.value.records);
        this.afters.push(m.value.after);
        for (const r of m.value.records) if (!this.records.has(r.seq)) this.records.set(r.seq, r);
        // An ack lost to a closing connection is what a real hub can suffer too: the agent sends again.
        if (this.autoAck) this.ack(m.value.records.at(-1)!.seq).catch(() => undefined);
        return;
      }
      default:
        return;
    }
  }
}

/** An embedded broker on a free loopback port that admits the agents in `tokens`. */
export async function testBroker(tokens: Record<string, string>, port = 0): Promise<Broker> {
  return startBroker({
    host: '127.0.0.1',
    port,
    authenticateAgent: async (id, token) => tokens[id] === token,
  });
}

export function brokerUrl(broker: Broker): string {
  return `mqtt://127.0.0.1:${broker.port}`;
}

export function tempDir(prefix = 'tern-agent-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A flow that logs a line and sets an output: a handful of records per execution. */
export function flowSource(id = 'hello', namespace = 'test', message = 'hello from {{ agent.id }}'): string {
  return `id: ${id}
namespace: ${namespace}
tasks:
  - id: say
    type: log
    message: "${message}"
  - id: out
    type: output
    values:
      done: true
`;
}

export function desired(
  generation: number,
  flows: { id: string; namespace?: string; revision?: number; source?: string }[],
  extra: Partial<Desired> = {},
): Desired {
  return {
    generation,
    publishedAt: new Date().toISOString(),
    flows: flows.map((f) => {
      const source = f.source ?? flowSource(f.id, f.namespace ?? 'test');
      return {
        namespace: f.namespace ?? 'test',
        id: f.id,
        revision: f.revision ?? 1,
        hash: `h-${f.id}-${f.revision ?? 1}-${source.length}`,
        source,
      };
    }),
    ...extra,
  };
}
