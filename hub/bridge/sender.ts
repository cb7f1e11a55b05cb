/**
 * The bridge's delivery loop: takes the oldest queued records, sends them,
 * deletes them once Kafka acknowledged. While Kafka is unavailable the queue
 * holds (with growing backoff); a record Kafka refuses is tried alone, and
 * dead-lettered after `maxAttempts` refusals; records queued longer than
 * `deadLetterAfter` are dead-lettered too.
 */
import type { Kafka, Message, Producer } from 'kafkajs';
import type { Logger } from '../../protocol/logger.js';
import type { BridgeRepository, QueuedBridgeRecord } from '../store/types.js';
import type { BridgeSettings } from './config.js';

/** What the loop reports, for metrics and the status route. */
export interface SenderEvents {
  sent(route: string, count: number): void;
  failed(reason: 'unavailable' | 'refused', error: string): void;
  deadLettered(count: number): void;
  /** Whether this process sends the queue now: of several hub replicas, only the leader does, in queue order. */
  sends?(): boolean;
}

/** Kafka's state as the loop last saw it. */
export type KafkaState = 'CONNECTING' | 'UP' | 'UNAVAILABLE' | 'CLOSED';

const CONNECTION_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
]);

/**
 * True when an error says Kafka could not be reached or was not ready (retry
 * later, the record is not at fault), false when Kafka refused the records.
 */
export function isUnavailable(err: unknown): boolean {
  let e = err as ErrorLike | undefined;
  while (e) {
    if (e.name && CONNECTION_ERRORS.has(e.name)) return true;
    if (e.name === 'KafkaJSProtocolError') return e.retriable === true;
    const inner = e.originalError ?? e.cause;
    if (!inner) break;
    e = inner;
  }
  // A socket error, or anything else that is not Kafka's verdict on the records.
  if (!e?.name?.startsWith('KafkaJS')) return true;
  return e.retriable === true;
}

interface ErrorLike {
  name?: string;
  retriable?: boolean;
  originalError?: ErrorLike;
  cause?: ErrorLike;
}

function message(record: QueuedBridgeRecord): Message {
  return {
    key: record.key,
    value: record.value,
    headers: record.headers,
    timestamp: String(Date.parse(record.createdAt)),
  };
}

/** Groups records by topic, in queue order: one request for the whole batch. */
function topicMessages(records: readonly QueuedBridgeRecord[]) {
  const byTopic = new Map<string, Message[]>();
  for (const r of records) {
    const list = byTopic.get(r.topic) ?? [];
    list.push(message(r));
    byTopic.set(r.topic, list);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

export class BridgeSender {
  state: KafkaState = 'CONNECTING';
  lastError: string | undefined;
  private producer: Producer | undefined;
  private closed = false;
  private wake: (() => void) | undefined;
  private pending = false;
  private loop: Promise<void> | undefined;
  private backoffMs: number;
  /** After a refusal, records go one at a time until one is accepted, so only the culprit is charged. */
  private isolate = false;
  private lastExpiry = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly repository: BridgeRepository,
    private readonly settings: BridgeSettings,
    private readonly events: SenderEvents,
    private readonly log: Logger,
  ) {
    this.backoffMs = settings.minBackoffMs;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** New records are queued: send now rather than at the next poll. */
  notify(): void {
    this.pending = true;
    this.wake?.();
  }

  /** Stops after the send in flight (waiting for it `graceMs` at most: what it sent is sent again at the next start). */
  async close(graceMs = 5000): Promise<void> {
    this.closed = true;
    this.state = 'CLOSED';
    this.wake?.();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.loop, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    await this.producer?.disconnect().catch(() => undefined);
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      let waitMs = 0;
      let idle = false;
      try {
        if (this.events.sends?.() === false) {
          await this.sleep(1000, true);
          continue;
        }
        await this.expire();
        this.pending = false;
        const batch = await this.repository.next(this.isolate ? 1 : this.settings.batchSize);
        idle = batch.length === 0;
        waitMs = idle ? 1000 : await this.deliver(batch);
      } catch (err) {
        // The database itself failed: log, and try again later.
        this.log.error({ err: String(err) }, 'kafka bridge: queue access failed');
        waitMs = this.settings.maxBackoffMs;
      }
      if (waitMs > 0 && !this.closed && !(idle && this.pending)) await this.sleep(waitMs, idle);
    }
  }

  /** Sends one batch; returns how long to wait before the next. */
  private async deliver(batch: QueuedBridgeRecord[]): Promise<number> {
    try {
      const producer = await this.connected();
      await producer.sendBatch({ topicMessages: topicMessages(batch), acks: -1 });
    } catch (err) {
      return this.failed(batch, err);
    }
    await this.repository.delivered(batch.map((r) => r.id));
    if (this.state !== 'UP') this.log.info({ queued: batch.length }, 'kafka bridge: delivering');
    this.state = 'UP';
    this.isolate = false;
    this.backoffMs = this.settings.minBackoffMs;
    const byRoute = new Map<string, number>();
    for (const r of batch) byRoute.set(r.route, (byRoute.get(r.route) ?? 0) + 1);
    for (const [route, n] of byRoute) this.events.sent(route, n);
    return 0;
  }

  private async failed(batch: QueuedBridgeRecord[], err: unknown): Promise<number> {
    const text = err instanceof Error ? err.message : String(err);
    this.lastError = text;
    if (isUnavailable(err)) {
      if (this.state !== 'UNAVAILABLE')
        this.log.warn(
          { err: text, queued: batch.length },
          'kafka bridge: Kafka is unavailable; records stay queued',
        );
      this.state = 'UNAVAILABLE';
      this.events.failed('unavailable', text);
      await this.dropProducer();
      const wait = this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, this.settings.maxBackoffMs);
      return wait;
    }
    this.events.failed('refused', text);
    if (batch.length > 1) {
      this.isolate = true;
      return 0;
    }
    const ids = batch.map((r) => r.id);
    const spent = batch.filter((r) => r.attempts + 1 >= this.settings.maxAttempts).map((r) => r.id);
    await this.repository.refused(ids, text);
    if (spent.length > 0) {
      const moved = await this.repository.deadLetter(spent, `refused ${this.settings.maxAttempts} times`);
      this.events.deadLettered(moved);
      this.log.error({ ids: spent, err: text }, 'kafka bridge: record dead-lettered after repeated refusals');
    }
    return this.settings.minBackoffMs;
  }

  private async expire(): Promise<void> {
    const now = Date.now();
    if (now - this.lastExpiry < 60_000) return;
    this.lastExpiry = now;
    const moved = await this.repository.expire(
      new Date(now - this.settings.deadLetterAfterMs),
      `queued longer than ${Math.round(this.settings.deadLetterAfterMs / 1000)} s`,
    );
    if (moved > 0) {
      this.events.deadLettered(moved);
      this.log.error({ count: moved }, 'kafka bridge: records dead-lettered: queued too long');
    }
  }

  private async connected(): Promise<Producer> {
    if (this.producer) return this.producer;
    const producer = this.kafka.producer({ allowAutoTopicCreation: true });
    try {
      await producer.connect();
    } catch (err) {
      await producer.disconnect().catch(() => undefined);
      throw err;
    }
    this.producer = producer;
    return producer;
  }

  private async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  /** Waits `ms`; new records cut an idle wait short (never a backoff), closing cuts any. */
  private sleep(ms: number, interruptible: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = () => {
        if (interruptible || this.closed) done();
      };
    });
  }
}
