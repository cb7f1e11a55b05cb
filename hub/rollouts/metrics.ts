/** Prometheus gauges per rollout (the ones deciding their flows now), read from the controller at each scrape. */
import { Gauge, type Registry } from 'prom-client';
import { metric } from '../fleet/metrics.js';
import { type Rollout, RolloutAgentStateSchema, RolloutStatusSchema } from '../store/rollout-records.js';

const LABELS = ['rollout', 'namespace', 'flow'] as const;
const STATUSES = RolloutStatusSchema.anyOf.map((s) => s.const);
const AGENT_STATES = RolloutAgentStateSchema.anyOf.map((s) => s.const);

/**
 * Registers `tern_rollout_status` (1 for the current status), `tern_rollout_stage`,
 * `tern_rollout_agents{state}` and `tern_rollout_failure_rate` (the current stage's gate figure).
 */
export function rolloutMetrics(registry: Registry, current: () => Rollout[]): void {
  const registers = [registry];
  const ids = (r: Rollout) => ({ rollout: r.id, namespace: r.namespace, flow: r.flowId });
  const gauge = (name: string, help: string, extra: string[], fill: (g: Gauge, r: Rollout) => void) =>
    metric(
      registry,
      name,
      () =>
        new Gauge({
          name,
          help,
          labelNames: [...LABELS, ...extra],
          registers,
          collect() {
            this.reset();
            for (const r of current()) fill(this, r);
          },
        }),
    );
  gauge(
    'tern_rollout_status',
    'Status of each rollout deciding its flow (1 for the current one)',
    ['status'],
    (g, r) => {
      for (const status of STATUSES) g.set({ ...ids(r), status }, status === r.status ? 1 : 0);
    },
  );
  gauge('tern_rollout_stage', 'Index of the stage each rollout is at (0: the first)', [], (g, r) =>
    g.set(ids(r), r.stage),
  );
  gauge('tern_rollout_agents', 'Agents of each rollout by state', ['state'], (g, r) => {
    const agents = Object.values(r.agents);
    for (const state of AGENT_STATES)
      g.set({ ...ids(r), state }, agents.filter((a) => a.state === state).length);
  });
  gauge(
    'tern_rollout_failure_rate',
    "Failure rate of the current stage's executions of the new revision",
    [],
    (g, r) => g.set(ids(r), r.stages[r.stage]?.gate?.failureRate ?? 0),
  );
}
