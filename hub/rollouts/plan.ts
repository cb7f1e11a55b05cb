/** A rollout's plan (pure): its options with defaults, its stages, and the revision each agent runs at each point. */
import { durationMs } from '../../protocol/duration.js';
import {
  type ResolvedRolloutOptions,
  ROLLOUT_DEFAULTS,
  type RolloutOptions,
} from '../../protocol/rollout.js';
import type { AgentTarget } from '../fleet/assignment.js';
import type { LabelChange, Rollout } from '../store/rollout-records.js';

/** The options with every default filled in and durations in milliseconds. */
export function resolveOptions(options: RolloutOptions = {}): ResolvedRolloutOptions {
  const d = ROLLOUT_DEFAULTS;
  const gates = options.gates ?? {};
  const rate = gates.failureRate;
  return {
    canary: options.canary ?? d.canary,
    waves: options.waves ?? d.waves,
    pause:
      options.pause === undefined
        ? d.pause
        : options.pause === 'APPROVAL'
          ? 'APPROVAL'
          : durationMs(options.pause, 'rollout.pause'),
    gates: {
      appliedWithinMs:
        gates.appliedWithin === undefined
          ? d.gates.appliedWithinMs
          : durationMs(gates.appliedWithin, 'rollout.gates.appliedWithin'),
      failureRate: {
        max: rate?.max ?? d.gates.failureRate.max,
        windowMs:
          rate?.window === undefined
            ? d.gates.failureRate.windowMs
            : durationMs(rate.window, 'rollout.gates.failureRate.window'),
        minExecutions: rate?.minExecutions ?? d.gates.failureRate.minExecutions,
      },
      online: gates.online ?? d.gates.online,
    },
    onFailure: options.onFailure ?? d.onFailure,
  };
}

/**
 * The stages over `agents` (sorted by id, so a plan is the same every time): the canary first, then
 * waves of the rest. A canary by labels may be empty; then the first wave comes first.
 *
 * @example planStages(['a', 'b', 'c'].map((id) => ({ id, labels: {} })), resolveOptions({ waves: { size: 1 } }))
 * // [{ name: 'canary', agents: ['a'] }, { name: 'wave 1', agents: ['b'] }, { name: 'wave 2', agents: ['c'] }]
 */
export function planStages(
  agents: readonly AgentTarget[],
  options: ResolvedRolloutOptions,
): { name: string; agents: string[] }[] {
  const sorted = [...agents].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const total = sorted.length;
  const canary = options.canary;
  let first: AgentTarget[];
  if ('labels' in canary) {
    first = sorted.filter((a) => Object.entries(canary.labels).every(([k, v]) => a.labels[k] === v));
  } else {
    const count = 'count' in canary ? canary.count : Math.ceil((canary.percent / 100) * total);
    first = sorted.slice(0, count);
  }
  const inCanary = new Set(first.map((a) => a.id));
  const rest = sorted.filter((a) => !inCanary.has(a.id));
  const waves = options.waves;
  const size = Math.max(1, 'size' in waves ? waves.size : Math.ceil((waves.percent / 100) * total));
  const stages: { name: string; agents: string[] }[] = [];
  if (first.length > 0) stages.push({ name: 'canary', agents: first.map((a) => a.id) });
  for (let i = 0; i < rest.length; i += size)
    stages.push({
      name: `wave ${stages.length + (first.length > 0 ? 0 : 1)}`,
      agents: rest.slice(i, i + size).map((a) => a.id),
    });
  return stages;
}

/** `namespace/id`: how flows are keyed among the rollouts. */
export const flowKeyOf = (namespace: string, flowId: string) => `${namespace}/${flowId}`;

/**
 * The revision of the rollout's flow (of a set rollout: of the flow `flowKey`) that `agentId` runs
 * now (null: none): the rolled-out one once its stage has started (and the rollout is not rolled
 * back), else the one it ran before. Agents outside the rollout (registered since) get the
 * rolled-out revision once it succeeded, else the previous one.
 */
export function revisionFor(rollout: Rollout, agentId: string, flowKey?: string): number | null {
  const inSet = rollout.flows?.find((f) => flowKeyOf(f.namespace, f.flowId) === flowKey);
  const { revision, previousRevision } = inSet ?? rollout;
  const entry = rollout.agents[agentId];
  if (!entry) return rollout.status === 'SUCCEEDED' ? revision : previousRevision;
  const before = inSet
    ? (entry.previousRevisions?.[flowKeyOf(inSet.namespace, inSet.flowId)] ?? null)
    : entry.previousRevision;
  if (rollout.status === 'ROLLED_BACK') return before;
  return rollout.stages[entry.stage]?.startedAt !== undefined ? revision : before;
}

/**
 * `labels` with a label rollout's change: `set` added or replaced, `remove` taken away.
 *
 * @example withLabelChange({ site: 'a', ring: 'x' }, { set: { ring: 'y' }, remove: ['site'] }) // { ring: 'y' }
 */
export function withLabelChange(labels: Record<string, string>, change: LabelChange): Record<string, string> {
  const out = { ...labels, ...change.set };
  for (const k of change.remove ?? []) delete out[k];
  return out;
}
