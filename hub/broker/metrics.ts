/** The embedded broker's Prometheus metrics: connections refused at accept time or closed before they could do harm. */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Refusal } from '../../runtime/broker-guard/admission.js';
import { metric } from '../fleet/metrics.js';

/** Why the broker closed a connection it had accepted, before or regardless of its credentials. */
export type ClosedReason = 'packet_too_large' | 'connect_timeout';

export class BrokerMetrics {
  private readonly refused: Counter<'reason'>;
  private readonly closed: Counter<'reason'>;
  private readonly logins: Counter;

  /** @param pending reads the connections accepted and not yet authenticated, at scrape time. */
  constructor(registry: Registry, pending: () => number) {
    const registers = [registry];
    this.refused = metric(
      registry,
      'tern_mqtt_connections_refused_total',
      () =>
        new Counter({
          name: 'tern_mqtt_connections_refused_total',
          help: 'MQTT connections refused at accept time: too many unauthenticated ones (in total, from one address) or too many attempts from one address',
          labelNames: ['reason'],
          registers,
        }),
    );
    this.closed = metric(
      registry,
      'tern_mqtt_connections_closed_total',
      () =>
        new Counter({
          name: 'tern_mqtt_connections_closed_total',
          help: 'MQTT connections closed by the broker: a packet declared above the limit, or no CONNECT in time',
          labelNames: ['reason'],
          registers,
        }),
    );
    this.logins = metric(
      registry,
      'tern_mqtt_logins_refused_total',
      () =>
        new Counter({
          name: 'tern_mqtt_logins_refused_total',
          help: 'CONNECTs refused: unknown or decommissioned agent, wrong token, foreign client id, forbidden will',
          registers,
        }),
    );
    metric(
      registry,
      'tern_mqtt_pending_connections',
      () =>
        new Gauge({
          name: 'tern_mqtt_pending_connections',
          help: 'MQTT connections accepted and not yet authenticated',
          registers,
          collect() {
            this.set(pending());
          },
        }),
    );
  }

  refusedAtAccept(reason: Refusal): void {
    this.refused.inc({ reason });
  }

  loginRefused(): void {
    this.logins.inc();
  }

  closedConnection(reason: ClosedReason): void {
    this.closed.inc({ reason });
  }
}
