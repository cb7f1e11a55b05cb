/**
 * The hub's Kafka bridge: execution state changes, task outputs and the MQTT
 * messages agents publish under the shared data prefix, forwarded to Kafka
 * topics at least once through a durable queue in PostgreSQL.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Registry } from 'prom-client';
import { createKafka, kafkaClientSettings } from '../../plugins/kafka/client.js';
import { topicMatches } from '../../plugins/mqtt/topics.js';
import type { Execution, TaskRun } from '../../protocol/execution.js';
import type { Logger } from '../../protocol/logger.js';
import { leanMqttPackets } from '../../protocol/mqtt-packets.js';
import type { Rollout } from '../store/rollout-records.js';
import type {
  BridgeDeadLetter,
  BridgeRepository,
  ExecutionQueries,
  Page,
  PageRequest,
} from '../store/types.js';
import type { BridgeRoute, BridgeSettings, BridgeSource } from './config.js';
import { Enqueuer } from './enqueuer.js';
import { BridgeMetrics } from './metrics.js';
import {
  type ExecutionMeta,
  executionRecord,
  LastSeen,
  mqttRecord,
  rolloutRecord,
  taskOutputsRecord,
} from './records.js';
import { BridgeSender, type KafkaState } from './sender.js';

export interface KafkaBridgeOptions {
  settings: BridgeSettings;
  repository: BridgeRepository;
  /** Where the namespace of an agent's task run is found when its execution was not seen in this process. */
  executions: Pick<ExecutionQueries, 'get'>;
  metrics: Registry;
  logger: Logger;
  /** Whether this hub sends the queue now: of several replicas, only the leader does. Default: always. */
  sends?: () => boolean;
}

/** What `GET /bridge` answers. */
export interface BridgeStatus {
  enabled: true;
  kafka: KafkaState;
  lastError: string | null;
  routes: { name: string; from: string; topic: string }[];
  queued: number;
  oldestAgeSeconds: number;
  deadLetters: number;
}

/**
 * @example
 * const bridge = new KafkaBridge({ settings, repository: storage.bridge, executions: storage.executions, metrics, logger });
 * engine.on({ execution: (e) => bridge.execution(e), taskRun: (tr, e) => bridge.taskRun(tr, e) });
 * bridge.start();
 */
export class KafkaBridge {
  private readonly log: Logger;
  private readonly sender: BridgeSender;
  private readonly enqueuer: Enqueuer;
  private readonly routes: Record<BridgeSource, BridgeRoute[]>;
  private readonly states = new LastSeen();
  private readonly taskRuns = new LastSeen();
  private readonly rolloutStates = new LastSeen();
  private readonly meta = new Map<string, ExecutionMeta>();
  private mqttClient: MqttClient | undefined;

  constructor(private readonly options: KafkaBridgeOptions) {
    const { settings, repository } = options;
    this.log = options.logger.child({ component: 'kafka-bridge' });
    const kafka = createKafka(kafkaClientSettings(settings.properties, { clientId: 'tern-hub-bridge' }));
    let metrics: BridgeMetrics | undefined;
    this.sender = new BridgeSender(
      kafka,
      repository,
      settings,
      {
        sent: (route, n) => metrics?.sent(route, n),
        failed: (reason) => metrics?.failed(reason),
        deadLettered: (n) => metrics?.deadLettered(n),
        sends: () => options.sends?.() ?? true,
      },
      this.log,
    );
    metrics = new BridgeMetrics(options.metrics, repository, () => this.sender.state === 'UP');
    this.enqueuer = new Enqueuer(repository, this.log, {
      written: () => this.sender.notify(),
      dropped: (n) => metrics?.dropped(n),
    });
    this.routes = { executions: [], taskOutputs: [], mqtt: [], rollouts: [] };
    for (const route of settings.routes) this.routes[route.from].push(route);
  }

  /** Starts delivering what is queued (records left from a previous run first). */
  start(): void {
    this.sender.start();
    this.log.info(
      { routes: this.options.settings.routes.map((r) => `${r.from}→${r.topic}`) },
      'kafka bridge started',
    );
  }

  /** An execution was saved (on the hub, or ingested from an agent): forwarded when its state changed. */
  execution(e: Execution): void {
    if (this.routes.taskOutputs.length > 0) this.remember(e);
    if (this.routes.executions.length === 0 || !this.states.changed(e.id, e.state)) return;
    for (const route of this.routes.executions) {
      const record = executionRecord(route, e);
      if (record) this.enqueuer.add(record);
    }
  }

  /** A rollout was saved: forwarded when its status changed (not at each gate figure). */
  rollout(r: Rollout): void {
    if (this.routes.rollouts.length === 0 || !this.rolloutStates.changed(r.id, `${r.status}/${r.stage}`))
      return;
    for (const route of this.routes.rollouts) {
      const record = rolloutRecord(route, r);
      if (record) this.enqueuer.add(record);
    }
  }

  /** A task run was saved: its outputs are forwarded once it has ended. */
  taskRun(tr: TaskRun, execution?: Execution): void {
    if (this.routes.taskOutputs.length === 0 || Object.keys(tr.outputs).length === 0) return;
    if (!this.taskRuns.changed(tr.id, `${tr.state}/${tr.attempts.length}`)) return;
    if (execution) this.remember(execution);
    const meta = this.meta.get(tr.executionId);
    if (meta) this.forwardOutputs(tr, meta);
    else
      void this.options.executions.get(tr.executionId).then(
        (found) => {
          if (!found)
            return this.log.warn({ executionId: tr.executionId }, 'task run of an unknown execution');
          this.remember(found.execution);
          this.forwardOutputs(tr, this.meta.get(tr.executionId)!);
        },
        (err: unknown) => this.log.error({ err: String(err) }, 'kafka bridge: execution lookup failed'),
      );
  }

  /** An MQTT message arrived on a topic one of the mqtt routes follows. */
  mqttMessage(topic: string, payload: Buffer): void {
    for (const route of this.routes.mqtt)
      if (topicMatches(route.mqttTopic!, topic)) this.enqueuer.add(mqttRecord(route, topic, payload));
  }

  /** Subscribes the mqtt routes' filters on the hub's broker (nothing without mqtt routes). */
  async attachMqtt(connection: {
    url: string;
    username?: string;
    password?: string;
    /** Hub replicas take each message once, through this MQTT 5 shared-subscription group. */
    shareGroup?: string;
  }): Promise<void> {
    const share = connection.shareGroup === undefined ? '' : `$share/${connection.shareGroup}-bridge/`;
    const filters = [...new Set(this.routes.mqtt.map((r) => share + r.mqttTopic!))];
    if (filters.length === 0) return;
    leanMqttPackets();
    const client = await mqtt.connectAsync(connection.url, {
      username: connection.username,
      password: connection.password,
      clientId: `tern-hub-bridge-${Math.random().toString(36).slice(2, 10)}`,
      protocolVersion: connection.shareGroup === undefined ? 4 : 5,
      reconnectPeriod: 1000,
    });
    client.on('message', (topic, payload) => this.mqttMessage(topic, payload));
    client.on('error', (err) => this.log.warn({ err: err.message }, 'kafka bridge: MQTT client error'));
    await client.subscribeAsync(filters, { qos: 1 });
    this.mqttClient = client;
    this.log.info({ filters }, 'kafka bridge: following MQTT topics');
  }

  /** Resolves once every record handed over so far is in the durable queue. */
  flush(): Promise<void> {
    return this.enqueuer.flush();
  }

  async status(): Promise<BridgeStatus> {
    const { repository, settings } = this.options;
    const [lag, deadLetters] = await Promise.all([repository.lag(), repository.countDeadLetters()]);
    return {
      enabled: true,
      kafka: this.sender.state,
      lastError: this.sender.lastError ?? null,
      routes: settings.routes.map((r) => ({ name: r.name, from: r.from, topic: r.topic })),
      queued: lag.queued,
      oldestAgeSeconds:
        lag.oldestCreatedAt === null ? 0 : Math.max(0, (Date.now() - Date.parse(lag.oldestCreatedAt)) / 1000),
      deadLetters,
    };
  }

  deadLetters(page: PageRequest): Promise<Page<BridgeDeadLetter>> {
    return this.options.repository.deadLetters(page);
  }

  /** Puts dead letters back in the queue (all, or `ids`); returns how many. */
  async requeue(ids?: readonly number[]): Promise<number> {
    const n = await this.options.repository.requeue(ids);
    if (n > 0) {
      this.log.info({ count: n }, 'kafka bridge: dead letters requeued');
      this.sender.notify();
    }
    return n;
  }

  /** Stops following MQTT, writes what is buffered to the queue, and stops sending. */
  async close(): Promise<void> {
    await this.mqttClient?.endAsync().catch(() => undefined);
    await this.enqueuer.flush();
    await this.sender.close();
  }

  private remember(e: Execution): void {
    if (this.meta.has(e.id)) return;
    this.meta.set(e.id, { namespace: e.namespace, flowId: e.flowId, agentId: e.agentId });
    if (this.meta.size > 50_000) {
      const oldest = this.meta.keys().next().value;
      if (oldest !== undefined) this.meta.delete(oldest);
    }
  }

  private forwardOutputs(tr: TaskRun, meta: ExecutionMeta): void {
    for (const route of this.routes.taskOutputs) {
      const record = taskOutputsRecord(route, tr, meta);
      if (record) this.enqueuer.add(record);
    }
  }
}
