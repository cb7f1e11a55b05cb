/**
 * Kestra's Kafka `properties` (the Java client's names: `bootstrap.servers`,
 * `security.protocol`, `sasl.jaas.config` …) compiled into kafkajs options.
 * Shared by `kafka.produce`, the `kafka` trigger and the hub's Kafka bridge.
 */
import { createRequire } from 'node:module';
import { Type as T } from '@sinclair/typebox';
import type { CompressionTypes, ConsumerConfig, Kafka, KafkaConfig, ProducerConfig } from 'kafkajs';
import type { PropertyProblem } from '../../protocol/plugin.js';
import { lazyModule } from '../lazy.js';
import { saslOptions, tlsOptions } from './security.js';

// Named `require` with a literal id so that the agent's bundler (scripts/build-agent.mjs) bundles the driver.
const require = createRequire(import.meta.url);

const kafkajs = lazyModule<typeof import('kafkajs')>(() => require('kafkajs'));

/** Kafka client properties as Kestra writes them: `{ "bootstrap.servers": "host:9092", … }`. */
export type KafkaProperties = Record<string, string | number | boolean>;

export const KafkaPropertiesSchema = T.Record(T.String(), T.Union([T.String(), T.Number(), T.Boolean()]), {
  description:
    "Kafka client properties, with the Java client's names: `bootstrap.servers` (required), `client.id`, `security.protocol` (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL), `sasl.mechanism` (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), `sasl.jaas.config` (or `sasl.username`/`sasl.password`), PEM trust and key stores (`ssl.truststore.location`, `ssl.truststore.certificates`, `ssl.keystore.location`, `ssl.keystore.key`, `ssl.keystore.certificate.chain`) or PKCS12 key stores, `ssl.endpoint.identification.algorithm`, `request.timeout.ms`, `socket.connection.setup.timeout.ms`, `retries`, `retry.backoff.ms`",
});

/** kafkajs options for one cluster and identity, and a key naming them: equal keys may share a client. */
export interface KafkaClientSettings {
  readonly config: KafkaConfig;
  readonly key: string;
}

const PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];
const MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

/** Properties of the connection itself (the rest tune producers and consumers). */
const CONNECTION_PROPERTIES = new Set([
  'bootstrap.servers',
  'client.id',
  'security.protocol',
  'sasl.mechanism',
  'sasl.jaas.config',
  'sasl.username',
  'sasl.password',
  'ssl.truststore.type',
  'ssl.truststore.location',
  'ssl.truststore.certificates',
  'ssl.truststore.password',
  'ssl.keystore.type',
  'ssl.keystore.location',
  'ssl.keystore.password',
  'ssl.keystore.key',
  'ssl.keystore.certificate.chain',
  'ssl.key.password',
  'ssl.endpoint.identification.algorithm',
  'request.timeout.ms',
  'socket.connection.setup.timeout.ms',
  'retries',
  'retry.backoff.ms',
  'retry.backoff.max.ms',
]);

const PRODUCER_PROPERTIES = new Set([
  'acks',
  'compression.type',
  'enable.idempotence',
  'max.in.flight.requests.per.connection',
  'transactional.id',
  'transaction.timeout.ms',
  'allow.auto.create.topics',
  'metadata.max.age.ms',
]);

const CONSUMER_PROPERTIES = new Set([
  'group.id',
  'auto.offset.reset',
  'session.timeout.ms',
  'heartbeat.interval.ms',
  'max.poll.interval.ms',
  'allow.auto.create.topics',
  'metadata.max.age.ms',
  'max.partition.fetch.bytes',
  'fetch.min.bytes',
  'fetch.max.wait.ms',
]);

/** Java client properties with no kafkajs counterpart that are safe to ignore (serialisers are the plugin's own). */
const IGNORED_PROPERTIES = new Set([
  'key.serializer',
  'value.serializer',
  'key.deserializer',
  'value.deserializer',
  'enable.auto.commit',
  'linger.ms',
  'batch.size',
  'buffer.memory',
  'delivery.timeout.ms',
]);

const text = (value: string | number | boolean | undefined): string | undefined =>
  value === undefined ? undefined : String(value).trim();

function integer(properties: KafkaProperties, name: string): number | undefined {
  const raw = text(properties[name]);
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`properties.${name}: '${raw}' is not a whole number`);
  return n;
}

/**
 * The brokers of `bootstrap.servers` (comma-separated `host:port`; Kestra
 * users sometimes write `PLAINTEXT://host:port`, which is accepted).
 */
export function bootstrapServers(properties: KafkaProperties): string[] {
  const raw = text(properties['bootstrap.servers']);
  if (!raw) throw new Error('properties: `bootstrap.servers` is required (e.g. "localhost:9092")');
  const brokers = raw
    .split(',')
    .map((s) => s.trim().replace(/^[A-Z_]+:\/\//i, ''))
    .filter((s) => s !== '');
  for (const broker of brokers) {
    if (!/^[^\s:/]+:\d{1,5}$/.test(broker) && !/^\[[0-9a-f:]+\]:\d{1,5}$/i.test(broker))
      throw new Error(`properties.bootstrap.servers: '${broker}' is not host:port`);
  }
  return brokers;
}

/**
 * kafkajs client options from Kestra's properties. Throws an Error naming the
 * property when one is missing or wrong.
 *
 * @example
 * kafkaClientSettings({ 'bootstrap.servers': 'localhost:9092' }).config
 * // { brokers: ['localhost:9092'], clientId: 'tern', … }
 */
export function kafkaClientSettings(
  properties: KafkaProperties,
  defaults: { clientId?: string } = {},
): KafkaClientSettings {
  const brokers = bootstrapServers(properties);
  const protocol = (text(properties['security.protocol']) ?? 'PLAINTEXT').toUpperCase();
  if (!PROTOCOLS.includes(protocol))
    throw new Error(`properties.security.protocol: '${protocol}' is not one of ${PROTOCOLS.join(', ')}`);
  const config: KafkaConfig = {
    brokers,
    clientId: text(properties['client.id']) || defaults.clientId || 'tern',
    logLevel: kafkajs().logLevel.NOTHING,
  };
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    const tls = tlsOptions(properties);
    config.ssl = Object.keys(tls).length > 0 ? tls : true;
  }
  if (protocol.startsWith('SASL_')) config.sasl = saslOptions(properties);
  const requestTimeout = integer(properties, 'request.timeout.ms');
  if (requestTimeout !== undefined) config.requestTimeout = requestTimeout;
  const connectionTimeout = integer(properties, 'socket.connection.setup.timeout.ms');
  if (connectionTimeout !== undefined) config.connectionTimeout = connectionTimeout;
  const retry = Object.entries({
    retries: integer(properties, 'retries'),
    initialRetryTime: integer(properties, 'retry.backoff.ms'),
    maxRetryTime: integer(properties, 'retry.backoff.max.ms'),
  }).filter(([, v]) => v !== undefined);
  if (retry.length > 0) config.retry = Object.fromEntries(retry);
  return { config, key: propertiesKey(properties, CONNECTION_PROPERTIES) };
}

/** A stable key of the properties named in `names` (all of them without `names`). */
export function propertiesKey(properties: KafkaProperties, names?: ReadonlySet<string>): string {
  const entries = Object.entries(properties)
    .filter(([name]) => !names || names.has(name))
    .map(([name, value]) => [name, String(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(entries);
}

/** A kafkajs client for the settings; kafkajs' own logging is off (errors surface as rejections). */
export function createKafka(settings: KafkaClientSettings): Kafka {
  return new (kafkajs().Kafka)(settings.config);
}

/** How a producer sends: its kafkajs options and the per-send `acks` and compression. */
export interface ProducerSettings {
  readonly config: ProducerConfig;
  /** -1 (all, the default), 0 or 1. */
  readonly acks: number;
  readonly compression: CompressionTypes;
}

/** Producer options from `acks`, `compression.type`, `enable.idempotence`, `transactional.id` … */
export function producerSettings(properties: KafkaProperties): ProducerSettings {
  const acksText = (text(properties.acks) ?? 'all').toLowerCase();
  const acks = acksText === 'all' ? -1 : Number(acksText);
  if (![-1, 0, 1].includes(acks)) throw new Error(`properties.acks: '${acksText}' is not all, -1, 0 or 1`);
  const compressionText = (text(properties['compression.type']) ?? 'none').toLowerCase();
  const { CompressionTypes } = kafkajs();
  const compression =
    compressionText === 'none'
      ? CompressionTypes.None
      : compressionText === 'gzip'
        ? CompressionTypes.GZIP
        : undefined;
  if (compression === undefined)
    throw new Error(
      `properties.compression.type: '${compressionText}' is not supported here (none or gzip; snappy, lz4 and zstd need codecs Tern does not bundle)`,
    );
  const config: ProducerConfig = {};
  const idempotence = text(properties['enable.idempotence']);
  if (idempotence !== undefined) config.idempotent = idempotence === 'true';
  const inFlight = integer(properties, 'max.in.flight.requests.per.connection');
  if (inFlight !== undefined) config.maxInFlightRequests = inFlight;
  const transactionalId = text(properties['transactional.id']);
  if (transactionalId) config.transactionalId = transactionalId;
  const transactionTimeout = integer(properties, 'transaction.timeout.ms');
  if (transactionTimeout !== undefined) config.transactionTimeout = transactionTimeout;
  const autoCreate = text(properties['allow.auto.create.topics']);
  if (autoCreate !== undefined) config.allowAutoTopicCreation = autoCreate === 'true';
  const metadataMaxAge = integer(properties, 'metadata.max.age.ms');
  if (metadataMaxAge !== undefined) config.metadataMaxAge = metadataMaxAge;
  return { config, acks, compression };
}

/** Consumer options from `group.id`, `auto.offset.reset`, `session.timeout.ms` …; `groupId` given wins over `group.id`. */
export function consumerSettings(
  properties: KafkaProperties,
  groupId?: string,
): { config: ConsumerConfig; fromBeginning: boolean } {
  const group = groupId ?? text(properties['group.id']);
  if (!group) throw new Error('a consumer group is required: `groupId` (or properties `group.id`)');
  const reset = (text(properties['auto.offset.reset']) ?? 'latest').toLowerCase();
  if (reset !== 'earliest' && reset !== 'latest')
    throw new Error(`properties.auto.offset.reset: '${reset}' is not earliest or latest`);
  const config: ConsumerConfig = { groupId: group };
  const sessionTimeout = integer(properties, 'session.timeout.ms');
  if (sessionTimeout !== undefined) config.sessionTimeout = sessionTimeout;
  const heartbeat = integer(properties, 'heartbeat.interval.ms');
  if (heartbeat !== undefined) config.heartbeatInterval = heartbeat;
  const rebalance = integer(properties, 'max.poll.interval.ms');
  if (rebalance !== undefined) config.rebalanceTimeout = rebalance;
  const autoCreate = text(properties['allow.auto.create.topics']);
  if (autoCreate !== undefined) config.allowAutoTopicCreation = autoCreate === 'true';
  const metadataMaxAge = integer(properties, 'metadata.max.age.ms');
  if (metadataMaxAge !== undefined) config.metadataMaxAge = metadataMaxAge;
  const maxBytes = integer(properties, 'max.partition.fetch.bytes');
  if (maxBytes !== undefined) config.maxBytesPerPartition = maxBytes;
  const minBytes = integer(properties, 'fetch.min.bytes');
  if (minBytes !== undefined) config.minBytes = minBytes;
  const maxWait = integer(properties, 'fetch.max.wait.ms');
  if (maxWait !== undefined) config.maxWaitTimeInMs = maxWait;
  return { config, fromBeginning: reset === 'earliest' };
}

/** Property names Tern does not understand (they are ignored; a plugin may log them). */
export function unknownProperties(properties: KafkaProperties): string[] {
  return Object.keys(properties).filter(
    (name) =>
      !CONNECTION_PROPERTIES.has(name) &&
      !PRODUCER_PROPERTIES.has(name) &&
      !CONSUMER_PROPERTIES.has(name) &&
      !IGNORED_PROPERTIES.has(name),
  );
}

const templated = (value: unknown): boolean => typeof value === 'string' && value.includes('{{');

/**
 * Problems of literal properties, for a plugin's `check`: a missing or
 * malformed `bootstrap.servers`, an unknown protocol or mechanism, a bad
 * number. Properties holding expressions are checked when they are rendered;
 * files (trust and key stores) are read only where the flow runs.
 */
export function kafkaPropertyProblems(
  properties: KafkaProperties | undefined,
  role: 'producer' | 'consumer',
): PropertyProblem[] {
  if (!properties) return [{ path: 'properties', message: '`bootstrap.servers` is required' }];
  const literal = Object.fromEntries(Object.entries(properties).filter(([, v]) => !templated(v)));
  const problems: PropertyProblem[] = [];
  const attempt = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      const message = (err as Error).message;
      const match = /^properties(?:\.([^:]+))?: (.*)$/s.exec(message);
      problems.push({
        path: match?.[1] ? `properties.${match[1]}` : 'properties',
        message: match?.[2] ?? message,
      });
    }
  };
  if (literal['bootstrap.servers'] !== undefined || !('bootstrap.servers' in properties))
    attempt(() => bootstrapServers(literal));
  const protocol = text(literal['security.protocol'])?.toUpperCase();
  if (protocol !== undefined && !PROTOCOLS.includes(protocol))
    problems.push({
      path: 'properties.security.protocol',
      message: `'${protocol}' is not one of ${PROTOCOLS.join(', ')}`,
    });
  const mechanism = text(literal['sasl.mechanism'])?.toUpperCase();
  if (mechanism !== undefined && !MECHANISMS.includes(mechanism))
    problems.push({
      path: 'properties.sasl.mechanism',
      message: `'${mechanism}' is not one of ${MECHANISMS.join(', ')}`,
    });
  for (const name of [
    'request.timeout.ms',
    'socket.connection.setup.timeout.ms',
    'retries',
    'retry.backoff.ms',
  ])
    attempt(() => integer(literal, name));
  attempt(() => (role === 'producer' ? producerSettings(literal) : consumerSettings(literal, 'check-only')));
  return problems;
}
