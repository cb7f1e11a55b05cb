/** The fleet's Prometheus metrics: sync counters and each agent's outbox, in the hub's registry. */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { OutboxStatus } from '../../protocol/messages.js';
import type { AgentTopicKind } from '../../protocol/topics.js';

/** One metric per name per registry, so that two fleets (or brokers) on one registry (tests) share them. */
export function metric<M>(registry: Registry, name: string, make: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make();
}

/** Counters and gauges of the sync protocol, labelled by agent where they are per agent. */
export class FleetMetrics {
  private readonly invalid: Counter<'kind'>;
  private readonly ingested: Counter<'kind'>;
  private readonly duplicates: Counter;
  private readonly refused: Counter<'reason'>;
  private readonly placeholder: Counter;
  private readonly depth: Gauge<'agent'>;
  private readonly oldestAge: Gauge<'agent'>;
  private readonly dropped: Gauge<'agent'>;
  private readonly online: Gauge<'agent'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.invalid = metric(
      registry,
      'tern_sync_invalid_messages_total',
      () =>
        new Counter({
          name: 'tern_sync_invalid_messages_total',
          help: 'Messages from agents that failed validation, by topic kind',
          labelNames: ['kind'],
          registers,
        }),
    );
    this.ingested = metric(
      registry,
      'tern_sync_records_ingested_total',
      () =>
        new Counter({
          name: 'tern_sync_records_ingested_total',
          help: 'Agent records stored from the sync stream, by record kind',
          labelNames: ['kind'],
          registers,
        }),
    );
    this.duplicates = metric(
      registry,
      'tern_sync_records_duplicate_total',
      () =>
        new Counter({
          name: 'tern_sync_records_duplicate_total',
          help: 'Agent records received again after they were stored (resent batches), ignored',
          registers,
        }),
    );
    this.refused = metric(
      registry,
      'tern_sync_records_refused_total',
      () =>
        new Counter({
          name: 'tern_sync_records_refused_total',
          help: 'Agent records not stored, by reason: not-assigned, foreign, unknown-execution, unusable, database, agent-gone',
          labelNames: ['reason'],
          registers,
        }),
    );
    this.placeholder = metric(
      registry,
      'tern_sync_records_placeholder_total',
      () =>
        new Counter({
          name: 'tern_sync_records_placeholder_total',
          help: 'Agent records stored as placeholders carrying why they could not be stored as sent',
          registers,
        }),
    );
    this.depth = metric(
      registry,
      'tern_agent_outbox_depth',
      () =>
        new Gauge({
          name: 'tern_agent_outbox_depth',
          help: "Records in the agent's outbox not yet acknowledged, as last reported",
          labelNames: ['agent'],
          registers,
        }),
    );
    this.oldestAge = metric(
      registry,
      'tern_agent_outbox_oldest_age_seconds',
      () =>
        new Gauge({
          name: 'tern_agent_outbox_oldest_age_seconds',
          help: "Age of the oldest record in the agent's outbox, as last reported",
          labelNames: ['agent'],
          registers,
        }),
    );
    this.dropped = metric(
      registry,
      'tern_agent_outbox_dropped',
      () =>
        new Gauge({
          name: 'tern_agent_outbox_dropped',
          help: 'Records the agent dropped from a full outbox (drop-oldest), since it was installed',
          labelNames: ['agent'],
          registers,
        }),
    );
    this.online = metric(
      registry,
      'tern_agent_online',
      () =>
        new Gauge({
          name: 'tern_agent_online',
          help: '1 while the agent is connected, 0 otherwise',
          labelNames: ['agent'],
          registers,
        }),
    );
  }

  invalidMessage(kind: AgentTopicKind): void {
    this.invalid.inc({ kind });
  }

  recordsIngested(kind: string, count: number): void {
    if (count > 0) this.ingested.inc({ kind }, count);
  }

  duplicateRecords(count: number): void {
    if (count > 0) this.duplicates.inc(count);
  }

  /** `reason`: a `RefusalCode`, or `agent-gone` for a batch of a decommissioned or unknown agent. */
  recordsRefused(reason: string, count: number): void {
    if (count > 0) this.refused.inc({ reason }, count);
  }

  placeholders(count: number): void {
    if (count > 0) this.placeholder.inc(count);
  }

  outbox(agent: string, status: Pick<OutboxStatus, 'depth' | 'oldestAgeMs' | 'dropped'>): void {
    this.depth.set({ agent }, status.depth);
    this.oldestAge.set({ agent }, status.oldestAgeMs / 1000);
    this.dropped.set({ agent }, status.dropped);
  }

  setOnline(agent: string, online: boolean): void {
    this.online.set({ agent }, online ? 1 : 0);
  }

  /** Forgets a decommissioned agent's series. */
  remove(agent: string): void {
    for (const g of [this.depth, this.oldestAge, this.dropped, this.online]) g.remove({ agent });
  }
}
