/**
 * Kafka producers shared by the `kafka.produce` tasks of one runtime: one
 * connected producer per cluster, identity and producer properties, kept for
 * the runtime's life. A transactional producer runs one transaction at a time.
 */
import { randomBytes } from 'node:crypto';
import type { Message, Producer } from 'kafkajs';
import type { SharedResource } from '../../protocol/plugin.js';
import {
  createKafka,
  type KafkaProperties,
  kafkaClientSettings,
  type ProducerSettings,
  producerSettings,
  propertiesKey,
} from './client.js';

/** Key of the pool in `PluginHost.shared`. */
export const PRODUCERS_KEY = 'kafka.producers';

/** One record to send, already serialised. */
export interface OutgoingRecord {
  topic: string;
  message: Message;
}

interface Entry {
  producer: Producer;
  settings: ProducerSettings;
  transactional: boolean;
  connected: Promise<void>;
  /** Tail of the chain of sends, so a transactional producer runs one transaction at a time. */
  tail: Promise<unknown>;
}

/** Sends `records` grouped by topic in one request (kafkajs `sendBatch`). */
function topicMessages(records: readonly OutgoingRecord[]) {
  const byTopic = new Map<string, Message[]>();
  for (const { topic, message } of records) {
    const list = byTopic.get(topic);
    if (list) list.push(message);
    else byTopic.set(topic, [message]);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/**
 * The pool. `send` connects on first use; a producer that failed to connect
 * is dropped so that the next send tries again.
 *
 * @example
 * const pool = ctx.host.shared(PRODUCERS_KEY, () => new KafkaProducers());
 * await pool.send({ 'bootstrap.servers': 'localhost:9092' }, false, [{ topic: 't', message: { value: 'x' } }]);
 */
export class KafkaProducers implements SharedResource {
  private readonly entries = new Map<string, Entry>();
  private closed = false;

  /** Sends the records (in one transaction when `transactional`); resolves once Kafka acknowledged them. */
  async send(
    properties: KafkaProperties,
    transactional: boolean,
    records: readonly OutgoingRecord[],
    signal?: AbortSignal,
  ): Promise<void> {
    const entry = this.entry(properties, transactional);
    await abortable(entry.connected, signal);
    const batch = {
      topicMessages: topicMessages(records),
      acks: transactional ? -1 : entry.settings.acks,
      compression: entry.settings.compression,
    };
    if (!transactional) {
      await abortable(entry.producer.sendBatch(batch), signal);
      return;
    }
    const run = entry.tail.then(async () => {
      const tx = await entry.producer.transaction();
      try {
        await tx.sendBatch(batch);
        await tx.commit();
      } catch (err) {
        await tx.abort().catch(() => undefined);
        // A transactional producer may be fenced or in a fatal state: the next send gets a fresh one.
        this.drop(entry);
        throw err;
      }
    });
    entry.tail = run.catch(() => undefined);
    await abortable(run, signal);
  }

  private entry(properties: KafkaProperties, transactional: boolean): Entry {
    if (this.closed) throw new Error('the Kafka producers are closed');
    const key = `${transactional ? 'tx' : 'plain'}:${propertiesKey(properties)}`;
    const existing = this.entries.get(key);
    if (existing) return existing;
    const settings = producerSettings(properties);
    const kafka = createKafka(kafkaClientSettings(properties));
    const config = transactional
      ? {
          ...settings.config,
          transactionalId: settings.config.transactionalId ?? `tern-${randomBytes(8).toString('hex')}`,
          idempotent: true,
          maxInFlightRequests: 1,
        }
      : settings.config;
    const producer = kafka.producer(config);
    const entry: Entry = {
      producer,
      settings,
      transactional,
      connected: producer.connect(),
      tail: Promise.resolve(),
    };
    entry.connected.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    producer.on(producer.events.DISCONNECT, () => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    this.entries.set(key, entry);
    return entry;
  }

  private drop(entry: Entry): void {
    for (const [key, e] of this.entries) if (e === entry) this.entries.delete(key);
    void entry.producer.disconnect().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map((e) => e.producer.disconnect().catch(() => undefined)));
  }
}

/** Waits for `work`, rejecting early with the signal's reason when it aborts. */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
