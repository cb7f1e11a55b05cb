/** The Kafka bridge's Prometheus metrics: lag (queued records, oldest age), sent, failed, dead-lettered. */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { BridgeRepository } from '../store/types.js';
import type { SenderEvents } from './sender.js';

/** How long one reading of the queue's lag serves scrapes (both lag gauges read it). */
const LAG_CACHE_MS = 500;

/**
 * @example
 * const metrics = new BridgeMetrics(registry, storage.bridge, () => sender.state === 'UP');
 * metrics.sent('executions', 10);
 */
export class BridgeMetrics implements SenderEvents {
  private readonly sentTotal: Counter<'route'>;
  private readonly failedTotal: Counter<'reason'>;
  private readonly deadLetteredTotal: Counter;
  private readonly droppedTotal: Counter;
  private lagReading:
    | { at: number; value: Promise<{ queued: number; oldestCreatedAt: string | null }> }
    | undefined;

  constructor(registry: Registry, repository: BridgeRepository, up: () => boolean) {
    const lag = () => {
      const now = Date.now();
      if (!this.lagReading || now - this.lagReading.at > LAG_CACHE_MS)
        this.lagReading = { at: now, value: repository.lag() };
      return this.lagReading.value;
    };
    new Gauge({
      name: 'tern_bridge_queued_records',
      help: 'Records waiting to be delivered to Kafka',
      registers: [registry],
      async collect() {
        this.set((await lag()).queued);
      },
    });
    new Gauge({
      name: 'tern_bridge_oldest_record_age_seconds',
      help: 'Age of the oldest record waiting for Kafka (0 when none waits)',
      registers: [registry],
      async collect() {
        const oldest = (await lag()).oldestCreatedAt;
        this.set(oldest === null ? 0 : Math.max(0, (Date.now() - Date.parse(oldest)) / 1000));
      },
    });
    new Gauge({
      name: 'tern_bridge_dead_letters',
      help: 'Records the bridge gave up on, kept in bridge_dead_letters',
      registers: [registry],
      async collect() {
        this.set(await repository.countDeadLetters());
      },
    });
    new Gauge({
      name: 'tern_bridge_kafka_up',
      help: '1 when the last send to Kafka succeeded, 0 while Kafka is unavailable',
      registers: [registry],
      collect() {
        this.set(up() ? 1 : 0);
      },
    });
    this.sentTotal = new Counter({
      name: 'tern_bridge_sent_total',
      help: 'Records Kafka acknowledged, by route',
      labelNames: ['route'],
      registers: [registry],
    });
    this.failedTotal = new Counter({
      name: 'tern_bridge_send_failures_total',
      help: 'Failed sends: unavailable (Kafka not reachable or not ready) or refused (Kafka rejected the records)',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.deadLetteredTotal = new Counter({
      name: 'tern_bridge_dead_lettered_total',
      help: 'Records moved to the dead letters',
      registers: [registry],
    });
    this.droppedTotal = new Counter({
      name: 'tern_bridge_dropped_total',
      help: 'Records lost before they were queued (the database refused them for too long)',
      registers: [registry],
    });
  }

  sent(route: string, count: number): void {
    this.sentTotal.inc({ route }, count);
  }

  failed(reason: 'unavailable' | 'refused'): void {
    this.failedTotal.inc({ reason });
  }

  deadLettered(count: number): void {
    this.deadLetteredTotal.inc(count);
  }

  dropped(count: number): void {
    this.droppedTotal.inc(count);
  }
}
