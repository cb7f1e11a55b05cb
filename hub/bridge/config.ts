/**
 * The Kafka bridge's settings: a YAML or JSON document (`tern hub
 * --kafka-bridge FILE`, or TERN_KAFKA_BRIDGE) compiled once, every default here.
 */
import { readFileSync } from 'node:fs';
import { type Static, Type as T } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';
import {
  type KafkaProperties,
  KafkaPropertiesSchema,
  kafkaClientSettings,
} from '../../plugins/kafka/client.js';
import { parseDuration } from '../../protocol/duration.js';
import { TernError } from '../../protocol/errors.js';
import { STATES, type State } from '../../protocol/states.js';

export const BRIDGE_SOURCES = ['executions', 'taskOutputs', 'mqtt', 'rollouts'] as const;
export type BridgeSource = (typeof BRIDGE_SOURCES)[number];

const Duration = (description: string) => T.String({ minLength: 2, description });

const RouteSchema = T.Object(
  {
    name: T.Optional(
      T.String({ minLength: 1, maxLength: 100, description: 'Default: `from`, numbered when repeated' }),
    ),
    from: T.Union(
      BRIDGE_SOURCES.map((s) => T.Literal(s)),
      {
        description:
          'executions: each execution state change; taskOutputs: outputs of each ended task run; mqtt: messages agents publish under the shared data prefix; rollouts: each rollout status change',
      },
    ),
    topic: T.String({ pattern: '^[a-zA-Z0-9._-]{1,249}$', description: 'Kafka topic' }),
    filter: T.Optional(
      T.Object(
        {
          namespace: T.Optional(T.String({ minLength: 1, description: 'This namespace and those below it' })),
          flowId: T.Optional(T.String({ minLength: 1 })),
          states: T.Optional(T.Array(T.Union(STATES.map((s) => T.Literal(s))), { minItems: 1 })),
          taskId: T.Optional(T.String({ minLength: 1 })),
          mqttTopic: T.Optional(
            T.String({
              minLength: 1,
              description:
                'MQTT topic filter (+ and # allowed), under the shared data prefix (prepended when missing)',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const BridgeConfigSchema = T.Object(
  {
    properties: T.Optional(KafkaPropertiesSchema),
    brokers: T.Optional(
      T.Union([T.String({ minLength: 1 }), T.Array(T.String({ minLength: 1 }), { minItems: 1 })], {
        description: 'Shorthand for properties `bootstrap.servers`',
      }),
    ),
    routes: T.Array(RouteSchema, { minItems: 1 }),
    maxAttempts: T.Optional(
      T.Integer({
        minimum: 1,
        description: 'Sends Kafka may refuse before a record is dead-lettered (default 5)',
      }),
    ),
    minBackoff: T.Optional(Duration('First wait after a failed send (default PT0.5S)')),
    maxBackoff: T.Optional(Duration('Longest wait between sends while Kafka is unavailable (default PT30S)')),
    deadLetterAfter: T.Optional(Duration('Records queued longer than this are dead-lettered (default P7D)')),
    batchSize: T.Optional(
      T.Integer({ minimum: 1, maximum: 10_000, description: 'Records per send (default 500)' }),
    ),
  },
  { additionalProperties: false },
);
export type BridgeConfig = Static<typeof BridgeConfigSchema>;

/** A route, compiled. */
export interface BridgeRoute {
  name: string;
  from: BridgeSource;
  topic: string;
  namespace?: string;
  flowId?: string;
  states?: ReadonlySet<State>;
  taskId?: string;
  /** Full MQTT filter (mqtt routes only). */
  mqttTopic?: string;
}

export interface BridgeSettings {
  properties: KafkaProperties;
  routes: BridgeRoute[];
  maxAttempts: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  deadLetterAfterMs: number;
  batchSize: number;
}

function bad(message: string): never {
  throw new TernError('BAD_REQUEST', `kafka bridge: ${message}`);
}

function duration(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = parseDuration(value);
  if (ms === undefined || ms < 0) bad(`${name}: '${value}' is not an ISO-8601 duration such as PT30S`);
  return ms;
}

/**
 * Checks and compiles the settings; throws a TernError naming every problem.
 * `sharedPrefix` (e.g. `tern/v1/data/`) completes relative MQTT filters.
 *
 * @example
 * compileBridgeSettings({ brokers: 'kafka:9092', routes: [{ from: 'executions', topic: 'tern.executions' }] }, 'tern/v1/data/')
 */
export function compileBridgeSettings(config: unknown, sharedPrefix: string): BridgeSettings {
  const problems = [...Value.Errors(BridgeConfigSchema, config)].map(
    (e) => `${e.path.replace(/^\//, '').replaceAll('/', '.') || '(root)'}: ${e.message}`,
  );
  if (problems.length > 0) bad([...new Set(problems)].slice(0, 10).join('; '));
  const c = config as BridgeConfig;
  const properties: KafkaProperties = { ...c.properties };
  if (c.brokers !== undefined)
    properties['bootstrap.servers'] = Array.isArray(c.brokers) ? c.brokers.join(',') : c.brokers;
  try {
    kafkaClientSettings(properties);
  } catch (err) {
    bad((err as Error).message);
  }
  const counts = new Map<string, number>();
  const routes = c.routes.map((r, i): BridgeRoute => {
    const f = r.filter ?? {};
    if (r.from !== 'mqtt' && f.mqttTopic !== undefined)
      bad(`routes.${i}.filter.mqttTopic: only for from: mqtt`);
    if (r.from === 'mqtt' && (f.namespace || f.flowId || f.states || f.taskId))
      bad(`routes.${i}.filter: an mqtt route filters by mqttTopic only`);
    if (r.from === 'taskOutputs' && f.states) bad(`routes.${i}.filter.states: only for from: executions`);
    if (r.from === 'executions' && f.taskId) bad(`routes.${i}.filter.taskId: only for from: taskOutputs`);
    const n = (counts.get(r.from) ?? 0) + 1;
    counts.set(r.from, n);
    return {
      name: r.name ?? (n === 1 ? r.from : `${r.from}-${n}`),
      from: r.from,
      topic: r.topic,
      namespace: f.namespace,
      flowId: f.flowId,
      states: f.states ? new Set(f.states) : undefined,
      taskId: f.taskId,
      mqttTopic:
        r.from === 'mqtt'
          ? f.mqttTopic === undefined
            ? `${sharedPrefix}#`
            : f.mqttTopic.startsWith(sharedPrefix)
              ? f.mqttTopic
              : sharedPrefix + f.mqttTopic.replace(/^\/+/, '')
          : undefined,
    };
  });
  const names = routes.map((r) => r.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) bad(`routes: two routes are named '${duplicate}'`);
  const settings: BridgeSettings = {
    properties,
    routes,
    maxAttempts: c.maxAttempts ?? 5,
    minBackoffMs: duration(c.minBackoff, 'minBackoff', 500),
    maxBackoffMs: duration(c.maxBackoff, 'maxBackoff', 30_000),
    deadLetterAfterMs: duration(c.deadLetterAfter, 'deadLetterAfter', 7 * 24 * 3600_000),
    batchSize: c.batchSize ?? 500,
  };
  if (settings.maxBackoffMs < settings.minBackoffMs) bad('maxBackoff is shorter than minBackoff');
  return settings;
}

/**
 * The settings document from TERN_KAFKA_BRIDGE or `--kafka-bridge`: a file
 * path, or the document itself when it starts with `{` (JSON in one variable).
 */
export function readBridgeConfig(source: string): unknown {
  const text = source.trimStart().startsWith('{') ? source : readDocument(source);
  try {
    return parse(text) as unknown;
  } catch (err) {
    bad(`${source.trimStart().startsWith('{') ? 'TERN_KAFKA_BRIDGE' : source}: ${(err as Error).message}`);
  }
}

function readDocument(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    bad(`${path}: ${(err as Error).message}`);
  }
}
