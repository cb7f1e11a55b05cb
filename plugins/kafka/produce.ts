/** `kafka.produce`: sends one record or a list of records to Kafka (Kestra's kafka.Produce). */
import { readFile } from 'node:fs/promises';
import { Type as T } from '@sinclair/typebox';
import type { IHeaders, Message } from 'kafkajs';
import { TaskError } from '../../protocol/errors.js';
import { defineTask, type TaskContext } from '../../protocol/plugin.js';
import { KafkaPropertiesSchema, kafkaClientSettings, producerSettings, unknownProperties } from './client.js';
import { KafkaProducers, type OutgoingRecord, PRODUCERS_KEY } from './producers.js';
import { type KafkaSerdeType, SerdeTypeSchema, serialize } from './serde.js';

const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

const Properties = T.Object({
  properties: KafkaPropertiesSchema,
  topic: T.Optional(
    T.String({
      minLength: 1,
      description: 'Topic of records that name none; required unless every record has `topic`',
    }),
  ),
  from: T.Unknown({
    description:
      'A record `{key, value, headers, topic, partition, timestamp}`, a list of records, or the URI of a stored file holding a JSON list or JSON lines of records',
  }),
  keySerializer: T.Optional(SerdeTypeSchema('How keys become bytes')),
  valueSerializer: T.Optional(SerdeTypeSchema('How values become bytes')),
  transactional: T.Optional(
    T.Boolean({
      default: true,
      description:
        'All records of the task are committed together (read_committed consumers see all or none)',
    }),
  ),
  serdeProperties: T.Optional(
    T.Record(T.String(), T.Unknown(), {
      description: 'Accepted for compatibility (Avro schema registry); unused',
    }),
  ),
});

/** One record as a flow writes it. */
interface RecordInput {
  key?: unknown;
  value?: unknown;
  topic?: unknown;
  partition?: unknown;
  timestamp?: unknown;
  headers?: unknown;
}

const RECORD_KEYS = new Set(['key', 'value', 'topic', 'partition', 'timestamp', 'headers']);

/** Kestra's headers: a map of name → text, or a list of `{key, value}` pairs. */
function headersOf(raw: unknown, where: string): IHeaders | undefined {
  if (raw === undefined || raw === null) return undefined;
  const headers: IHeaders = {};
  const add = (name: unknown, value: unknown) => {
    if (typeof name !== 'string' || name === '')
      throw new TaskError(`${where}.headers: names must be text`, false);
    const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
    const previous = headers[name];
    headers[name] =
      previous === undefined
        ? text
        : Array.isArray(previous)
          ? [...previous, text]
          : [previous as string, text];
  };
  if (Array.isArray(raw))
    for (const h of raw) add((h as { key?: unknown })?.key, (h as { value?: unknown })?.value);
  else if (typeof raw === 'object') {
    for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
      if (Array.isArray(value)) for (const v of value) add(name, v);
      else add(name, value);
    }
  } else throw new TaskError(`${where}.headers: must be a map of name to value`, false);
  return headers;
}

function timestampOf(raw: unknown, where: string): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  const ms = typeof raw === 'number' ? raw : typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
  if (!Number.isFinite(ms))
    throw new TaskError(`${where}.timestamp: ${JSON.stringify(raw)} is not a date`, false);
  return String(Math.trunc(ms));
}

/** The records `from` names: a map, a list, or a stored file of JSON (a list) or JSON lines. */
async function recordsOf(from: unknown, ctx: TaskContext): Promise<unknown[]> {
  if (typeof from === 'string' && ctx.storage.isUri(from)) {
    const text = await readFile(ctx.storage.localPath(from), 'utf8');
    const trimmed = text.trim();
    if (trimmed.startsWith('[')) return JSON.parse(trimmed) as unknown[];
    return trimmed === ''
      ? []
      : trimmed
          .split(/\r?\n/)
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l));
  }
  if (Array.isArray(from)) return from;
  if (from !== null && typeof from === 'object') return [from];
  throw new TaskError(
    'from: must be a record `{key, value, …}`, a list of records, or a stored file URI',
    false,
  );
}

/** A flow's record as what kafkajs sends. Throws a non-retryable TaskError naming the record. */
function toOutgoing(
  raw: unknown,
  index: number,
  defaults: { topic?: string; keySerializer: KafkaSerdeType; valueSerializer: KafkaSerdeType },
): OutgoingRecord {
  const where = `from[${index}]`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new TaskError(`${where}: a record is a map with \`value\` (and \`key\`, \`headers\` …)`, false);
  const record = raw as RecordInput;
  const unknown = Object.keys(record).filter((k) => !RECORD_KEYS.has(k));
  if (unknown.length > 0)
    throw new TaskError(
      `${where}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (a record has key, value, topic, partition, timestamp, headers)`,
      false,
    );
  const topic = record.topic ?? defaults.topic;
  if (typeof topic !== 'string' || !TOPIC.test(topic))
    throw new TaskError(
      topic === undefined
        ? `${where}: no topic: give \`topic\` on the task or on the record`
        : `${where}: topic ${JSON.stringify(topic)} is not a Kafka topic name (letters, digits, . _ -)`,
      false,
    );
  let key: Buffer | null;
  let value: Buffer | null;
  try {
    key = serialize(record.key, defaults.keySerializer);
    value = serialize(record.value, defaults.valueSerializer);
  } catch (err) {
    throw new TaskError(`${where}: ${(err as Error).message}`, false);
  }
  const message: Message = { key, value };
  const headers = headersOf(record.headers, where);
  if (headers) message.headers = headers;
  if (record.partition !== undefined && record.partition !== null) {
    if (!Number.isInteger(record.partition) || (record.partition as number) < 0)
      throw new TaskError(`${where}.partition: must be a partition number`, false);
    message.partition = record.partition as number;
  }
  const timestamp = timestampOf(record.timestamp, where);
  if (timestamp !== undefined) message.timestamp = timestamp;
  return { topic, message };
}

export default defineTask({
  type: 'kafka.produce',
  aliases: ['io.kestra.plugin.kafka.Produce'],
  title: 'Kafka produce',
  description:
    'Sends `from` (one record, a list of records, or a stored file of records) to Kafka, keys and values serialised by `keySerializer` and `valueSerializer` (STRING by default, maps and lists as JSON). Producers are kept open and shared across executions, one per cluster and properties. With `transactional` (the default, as in Kestra) the records of one task are committed together.',
  properties: Properties,
  outputs: T.Object({ messagesCount: T.Integer({ description: 'Records sent' }) }),
  examples: [
    {
      title: 'Send a reading, keyed by device, as JSON',
      code: [
        '- id: publish',
        '  type: io.kestra.plugin.kafka.Produce',
        '  properties:',
        '    bootstrap.servers: kafka:9092',
        '  topic: readings',
        '  valueSerializer: JSON',
        '  from:',
        '    key: "{{ agent.id }}"',
        '    value: { celsius: "{{ trigger.payload.celsius }}" }',
        '    headers: { source: tern }',
      ].join('\n'),
    },
  ],
  async run(props, ctx) {
    try {
      kafkaClientSettings(props.properties);
      producerSettings(props.properties);
    } catch (err) {
      throw new TaskError((err as Error).message, false);
    }
    const ignored = unknownProperties(props.properties);
    if (ignored.length > 0) ctx.logger.warn(`properties not used by this client: ${ignored.join(', ')}`);
    if (props.topic !== undefined && !TOPIC.test(props.topic))
      throw new TaskError(
        `topic: '${props.topic}' is not a Kafka topic name (letters, digits, . _ -)`,
        false,
      );
    const defaults = {
      topic: props.topic,
      keySerializer: props.keySerializer ?? 'STRING',
      valueSerializer: props.valueSerializer ?? 'STRING',
    };
    const raw = await recordsOf(props.from, ctx);
    const records = raw.map((r, i) => toOutgoing(r, i, defaults));
    if (records.length === 0) return { outputs: { messagesCount: 0 } };
    const transactional = props.transactional ?? true;
    const pool = ctx.host.shared(PRODUCERS_KEY, () => new KafkaProducers());
    await pool.send(props.properties, transactional, records, ctx.signal);
    ctx.logger.debug(
      `sent ${records.length} record(s) to ${[...new Set(records.map((r) => r.topic))].join(', ')}${transactional ? ' in one transaction' : ''}`,
    );
    return { outputs: { messagesCount: records.length } };
  },
});
