/**
 * `kafka`: one execution per Kafka record (Kestra's Kafka RealtimeTrigger).
 * Offsets are committed by hand, each once its execution is durably stored,
 * and every fired offset is remembered per partition: a restart neither
 * loses a record nor starts a second execution for one.
 */
import { Type as T } from '@sinclair/typebox';
import type { Consumer, EachMessagePayload, IHeaders } from 'kafkajs';
import { defineTrigger, type PropertyProblem, type TriggerContext } from '../../protocol/plugin.js';
import {
  consumerSettings,
  createKafka,
  type KafkaProperties,
  KafkaPropertiesSchema,
  kafkaClientSettings,
  kafkaPropertyProblems,
  unknownProperties,
} from './client.js';
import { deserialize, type KafkaSerdeType, SerdeTypeSchema } from './serde.js';

interface Props {
  topic?: string | string[];
  topicPattern?: string;
  properties: KafkaProperties;
  groupId?: string;
  keyDeserializer?: KafkaSerdeType;
  valueDeserializer?: KafkaSerdeType;
  serdeProperties?: Record<string, unknown>;
}

/** Waits between attempts to reach the cluster: from the first to the last, doubling. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;

const Topic = T.String({ minLength: 1 });

const templated = (value: unknown): boolean => typeof value === 'string' && value.includes('{{');

export default defineTrigger({
  type: 'kafka',
  aliases: ['io.kestra.plugin.kafka.RealtimeTrigger'],
  title: 'Kafka record',
  description:
    "Starts one execution per record of the topics, in a consumer group (`groupId`). A record's offset is committed once its execution is stored, so a restart resumes where it stopped, without losing or repeating a record. `properties` takes the Java client's names (`bootstrap.servers` …; `auto.offset.reset: earliest` to start from the beginning when the group is new). The execution sees `trigger.topic`, `trigger.key`, `trigger.value`, `trigger.headers`, `trigger.partition`, `trigger.offset` and `trigger.timestamp`.",
  properties: T.Object({
    topic: T.Optional(
      T.Union([Topic, T.Array(Topic, { minItems: 1 })], { description: 'One topic or a list' }),
    ),
    topicPattern: T.Optional(
      T.String({ minLength: 1, description: 'A regular expression of topic names, instead of `topic`' }),
    ),
    properties: KafkaPropertiesSchema,
    groupId: T.Optional(
      T.String({ minLength: 1, description: 'Consumer group (or `group.id` in properties)' }),
    ),
    keyDeserializer: T.Optional(SerdeTypeSchema('How record keys are read')),
    valueDeserializer: T.Optional(SerdeTypeSchema('How record values are read')),
    serdeProperties: T.Optional(
      T.Record(T.String(), T.Unknown(), {
        description: "Kestra's serializer settings (schema registry); not used by the types Tern reads",
      }),
    ),
  }),
  variables: T.Object({
    topic: T.String(),
    key: T.Unknown({ description: 'The key, read by keyDeserializer; null without one' }),
    value: T.Unknown({ description: 'The value, read by valueDeserializer; null for a tombstone' }),
    headers: T.Record(T.String(), T.Union([T.String(), T.Array(T.String())])),
    partition: T.Integer(),
    offset: T.Integer(),
    timestamp: T.String({ description: 'The record timestamp, ISO-8601' }),
  }),
  examples: [
    {
      title: 'Each order event',
      code: '- id: orders\n  type: kafka\n  topic: orders\n  groupId: tern-orders\n  properties:\n    bootstrap.servers: kafka:9092\n  valueDeserializer: JSON',
    },
  ],
  check(props: Props): PropertyProblem[] {
    const problems = kafkaPropertyProblems(props.properties, 'consumer');
    if ((props.topic === undefined) === (props.topicPattern === undefined))
      problems.push({ path: 'topic', message: 'give either `topic` or `topicPattern` (one of them)' });
    if (props.topicPattern !== undefined && !templated(props.topicPattern)) {
      try {
        new RegExp(props.topicPattern);
      } catch (err) {
        problems.push({ path: 'topicPattern', message: (err as Error).message });
      }
    }
    if (props.groupId === undefined && props.properties?.['group.id'] === undefined)
      problems.push({
        path: 'groupId',
        message: 'a consumer group is required: `groupId` (or properties `group.id`)',
      });
    return problems;
  },
  start(props: Props, ctx) {
    return new KafkaListener(props, ctx).start();
  },
});

/** One running `kafka` trigger: a consumer, reconnected until the trigger stops. */
class KafkaListener {
  private consumer: Consumer | undefined;
  private retry: unknown;
  private delay = RETRY_FIRST_MS;
  private readonly keySerde: KafkaSerdeType;
  private readonly valueSerde: KafkaSerdeType;

  constructor(
    private readonly props: Props,
    private readonly ctx: TriggerContext,
  ) {
    this.keySerde = props.keyDeserializer ?? 'STRING';
    this.valueSerde = props.valueDeserializer ?? 'STRING';
  }

  start() {
    const ignored = unknownProperties(this.props.properties);
    if (ignored.length > 0) this.ctx.logger.info(`Kafka properties not used here: ${ignored.join(', ')}`);
    void this.connect();
    return { stop: () => this.stop() };
  }

  private async stop(): Promise<void> {
    if (this.retry !== undefined) this.ctx.clock.clearTimeout(this.retry);
    this.retry = undefined;
    const consumer = this.consumer;
    this.consumer = undefined;
    // Waits for the record in hand: its execution is stored and its offset committed first.
    await consumer?.disconnect();
  }

  private async connect(): Promise<void> {
    if (this.ctx.signal.aborted) return;
    const { flow } = this.ctx;
    const settings = kafkaClientSettings(this.props.properties, {
      clientId: `tern-${flow.namespace}.${flow.id}`,
    });
    const { config, fromBeginning } = consumerSettings(this.props.properties, this.props.groupId);
    const consumer = createKafka(settings).consumer(config);
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, ({ payload }) =>
      this.ctx.logger.warn(
        `Kafka consumer stopped: ${payload.error.message}${payload.restart ? '; restarting' : ''}`,
      ),
    );
    try {
      await consumer.connect();
      const topics = this.props.topicPattern
        ? [new RegExp(this.props.topicPattern)]
        : ([] as string[]).concat(this.props.topic ?? []);
      await consumer.subscribe({ topics, fromBeginning });
      await consumer.run({ autoCommit: false, eachMessage: (payload) => this.record(consumer, payload) });
      this.delay = RETRY_FIRST_MS;
      this.ctx.logger.debug(`consuming ${topics.join(', ')} as group ${config.groupId}`);
    } catch (err) {
      if (this.ctx.signal.aborted || this.consumer !== consumer) return;
      this.consumer = undefined;
      await consumer.disconnect().catch(() => undefined);
      this.ctx.logger.warn(`Kafka: ${(err as Error).message}; trying again in ${this.delay / 1000}s`);
      this.retry = this.ctx.clock.setTimeout(() => {
        this.retry = undefined;
        void this.connect();
      }, this.delay);
      this.delay = Math.min(this.delay * 2, RETRY_MAX_MS);
    }
  }

  private async record(consumer: Consumer, { topic, partition, message }: EachMessagePayload): Promise<void> {
    const next = [{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }];
    let key: unknown;
    let value: unknown;
    try {
      key = deserialize(message.key ?? null, this.keySerde);
      value = deserialize(message.value, this.valueSerde);
    } catch (err) {
      // A record that cannot be read never will be: skipped, so that the ones after it flow.
      this.ctx.logger.error(
        `record ${topic}/${partition}@${message.offset} skipped: ${(err as Error).message}`,
      );
      await consumer.commitOffsets(next);
      return;
    }
    const outcome = await this.ctx.tryFire(
      {
        topic,
        key,
        value,
        headers: headersOf(message.headers),
        partition,
        offset: Number(message.offset),
        timestamp: new Date(Number(message.timestamp)).toISOString(),
      },
      { dedupeKey: `${topic}:${partition}`, dedupeValue: message.offset },
    );
    if (outcome.kind === 'REFUSED') {
      if (this.ctx.signal.aborted) return;
      // Not committed: the consumer takes the record again after a pause.
      throw new Error(`no new execution now: ${outcome.reason}`);
    }
    if (outcome.kind === 'STARTED') await outcome.fired.stored();
    await consumer.commitOffsets(next);
  }
}

/** Header values as text; a header sent several times as a list. */
function headersOf(headers: IHeaders | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.map((v) => v.toString()) : value.toString();
  }
  return out;
}
