/** A stage's health gates (pure): applied within a deadline, a failure rate under a threshold, agents online. */
import type { ResolvedRolloutOptions } from '../../protocol/rollout.js';
import type { AgentSyncStatus } from '../fleet/types.js';
import type { AgentRow } from '../store/records.js';
import type { GateFigures, RolloutStage } from '../store/rollout-records.js';

/** What one agent of the stage shows of the rolled-out revision. */
export interface AgentView {
  id: string;
  online: boolean;
  applied: boolean;
  /** Why it refused the revision, when it did. */
  refused?: string;
}

/** What the gates decide: keep waiting, all applied (the window starts), passed, or failed. */
export type GateOutcome =
  | { kind: 'waiting' }
  | { kind: 'applied' }
  | { kind: 'passed' }
  | { kind: 'failed'; reason: string; agents: { id: string; reason: string }[] };

export interface GateInput {
  stage: RolloutStage;
  now: number;
  gates: ResolvedRolloutOptions['gates'];
  agents: readonly AgentView[];
  /** Executions of the rolled-out revision on the stage's agents since it started, and the agents of the failed ones. */
  executions: { total: number; failed: number; failedOn: readonly string[] };
  /**
   * What is rolled out. An agent version restarts the agent to apply it: until every agent of the
   * stage applied it, an agent offline is waiting for the deadline, not failed.
   */
  change?: 'revision' | 'flow set' | 'label change' | 'agent version';
}

/** How an agent row shows the revision `revision` of `namespace/flowId`. */
export function agentView(row: AgentRow, namespace: string, flowId: string, revision: number): AgentView {
  const status = row.status as AgentSyncStatus;
  const same = (f: { namespace: string; id: string; revision: number }) =>
    f.namespace === namespace && f.id === flowId && f.revision === revision;
  const refused = status.applied?.refused.find(same);
  return {
    id: row.id,
    online: row.online,
    applied: status.applied?.flows.some(same) ?? false,
    ...(refused && { refused: refused.reason }),
  };
}

/**
 * How an agent row shows what a set or label rollout changed (set rollouts, label rollouts): applied
 * once it reports exactly its desired state, which the stage's start published; refused when it
 * refused one of the desired flows.
 */
export function desiredView(row: AgentRow): AgentView {
  const status = row.status as AgentSyncStatus;
  const desired = status.desired;
  const refused = status.applied?.refused.find((r) =>
    desired?.flows.some((f) => f.namespace === r.namespace && f.id === r.id && f.revision === r.revision),
  );
  return {
    id: row.id,
    online: row.online,
    applied: desired !== undefined && status.applied?.hash === desired.hash,
    ...(refused && {
      refused: `${refused.namespace}.${refused.id} revision ${refused.revision}: ${refused.reason}`,
    }),
  };
}

/**
 * How an agent row shows agent version `version` since `since` (ISO-8601): applied once it reports
 * running it; refused when its last update of that version, since then, was refused or undone by
 * the device (it restored its previous version).
 */
export function agentVersionView(row: AgentRow, version: string, since: string): AgentView {
  const update = (row.status as AgentSyncStatus).update;
  const ofThis = update?.version === version ? update : undefined;
  const undone =
    ofThis !== undefined &&
    (ofThis.state === 'refused' || ofThis.state === 'rolled_back') &&
    Date.parse(ofThis.at) >= Date.parse(since);
  // Running it is not enough while the update is unconfirmed: the device may still restore the previous one.
  const confirmed = ofThis === undefined || ofThis.state === 'confirmed';
  return {
    id: row.id,
    online: row.online,
    applied: !undone && confirmed && row.online && row.version === version,
    ...(undone && {
      refused:
        ofThis.state === 'refused'
          ? (ofThis.reason ?? 'no reason given')
          : `the device restored its previous version${ofThis.reason ? ` (${ofThis.reason})` : ''}`,
    }),
  };
}

/**
 * Evaluates the stage's gates once. Before every agent applied the revision: a refusal, or an
 * agent offline while `online` is asked, fails at once, and the deadline fails those still
 * waiting (agents offline count only when `online` is asked). After: the failure rate fails as soon
 * as it is over the threshold with enough executions; the window's end passes the stage.
 */
export function evaluateGates(input: GateInput): { figures: GateFigures; outcome: GateOutcome } {
  const { stage, now, gates, agents, executions } = input;
  const change = input.change ?? 'revision';
  // An agent version restarts its agents: offline counts once the stage applied it.
  const offlineFails = gates.online && (change !== 'agent version' || stage.appliedAt !== undefined);
  const offline = agents.filter((a) => !a.online);
  const rate = executions.total === 0 ? 0 : executions.failed / executions.total;
  const figures: GateFigures = {
    applied: agents.filter((a) => a.applied).length,
    offline: offline.length,
    executions: executions.total,
    failedExecutions: executions.failed,
    failureRate: rate,
  };
  const fail = (reason: string, failed: { id: string; reason: string }[]) => ({
    figures,
    outcome: { kind: 'failed' as const, reason, agents: failed },
  });
  const refused = agents.filter((a) => a.refused !== undefined);
  if (refused.length > 0)
    return fail(
      `agents refused the ${change}`,
      refused.map((a) => ({ id: a.id, reason: `refused: ${a.refused}` })),
    );
  if (offlineFails && offline.length > 0)
    return fail(
      'agents went offline',
      offline.map((a) => ({ id: a.id, reason: 'offline' })),
    );
  const { max, windowMs, minExecutions } = gates.failureRate;
  if (executions.total >= minExecutions && rate > max)
    return fail(
      `failure rate ${rate.toFixed(2)} over ${max} (${executions.failed} of ${executions.total} executions failed)`,
      executions.failedOn.map((id) => ({ id, reason: 'failed executions' })),
    );
  if (stage.appliedAt === undefined) {
    const waiting = agents.filter(
      (a) => !a.applied && (a.online || (change === 'agent version' && gates.online)),
    );
    if (waiting.length === 0) return { figures, outcome: { kind: 'applied' } };
    const started = Date.parse(stage.startedAt ?? new Date(now).toISOString());
    if (now - started > gates.appliedWithinMs)
      return fail(
        `not applied within ${gates.appliedWithinMs / 1000} s`,
        waiting.map((a) => ({ id: a.id, reason: 'not applied in time' })),
      );
    return { figures, outcome: { kind: 'waiting' } };
  }
  if (now - Date.parse(stage.appliedAt) >= windowMs) return { figures, outcome: { kind: 'passed' } };
  return { figures, outcome: { kind: 'waiting' } };
}
