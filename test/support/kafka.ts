/** Kafka helpers for tests against the real service: fresh topics, and reading back what was produced. */
import { randomUUID } from 'node:crypto';
import { Kafka, type KafkaMessage, logLevel } from 'kafkajs';

export interface ReadRecord {
  topic: string;
  partition: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: string;
}

export interface KafkaTestKit {
  /** A topic with a fresh name (and `partitions` partitions), deleted by `close`. */
  topic(prefix?: string, partitions?: number): Promise<string>;
  /**
   * Reads from the start of `topic` until `count` records arrived (or `until`
   * holds for those read) or `timeoutMs` passed; throws then, naming what arrived.
   */
  read(
    topic: string,
    until: number | ((records: ReadRecord[]) => boolean),
    options?: { timeoutMs?: number; readCommitted?: boolean },
  ): Promise<ReadRecord[]>;
  close(): Promise<void>;
}

function headersOf(message: KafkaMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {}))
    if (value !== undefined) out[name] = Array.isArray(value) ? value.map(String).join(',') : String(value);
  return out;
}

/**
 * @example
 * const kit = kafkaTestKit(brokers);
 * const topic = await kit.topic();
 * // … produce …
 * const [record] = await kit.read(topic, 1);
 */
export function kafkaTestKit(brokers: string): KafkaTestKit {
  const kafka = new Kafka({ clientId: 'tern-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  let connected: Promise<void> | undefined;
  const topics: string[] = [];
  return {
    async topic(prefix = 'tern-test', partitions = 1) {
      connected ??= admin.connect();
      await connected;
      const name = `${prefix}-${randomUUID()}`;
      await admin.createTopics({
        topics: [{ topic: name, numPartitions: partitions }],
        waitForLeaders: true,
      });
      topics.push(name);
      return name;
    },
    async read(topic, until, options = {}) {
      const done = typeof until === 'number' ? (r: ReadRecord[]) => r.length >= until : until;
      const consumer = kafka.consumer({
        groupId: `tern-test-${randomUUID()}`,
        readUncommitted: options.readCommitted === false,
      });
      const records: ReadRecord[] = [];
      await consumer.connect();
      try {
        await consumer.subscribe({ topics: [topic], fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () =>
              reject(
                new Error(
                  `${records.length} records arrived on ${topic}${typeof until === 'number' ? ` of ${until}` : ''}: ${records
                    .map((r) => String(r.value).slice(0, 80))
                    .join(' | ')}`,
                ),
              ),
            options.timeoutMs ?? 20_000,
          );
          void consumer
            .run({
              eachMessage: async ({ topic: t, partition, message }) => {
                records.push({
                  topic: t,
                  partition,
                  key: message.key,
                  value: message.value,
                  headers: headersOf(message),
                  timestamp: message.timestamp,
                });
                if (done(records)) {
                  clearTimeout(timer);
                  resolve();
                }
              },
            })
            .catch(reject);
        });
      } finally {
        await consumer.disconnect();
      }
      return records;
    },
    async close() {
      if (!connected) return;
      await connected;
      if (topics.length > 0) await admin.deleteTopics({ topics: topics.splice(0) }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}
