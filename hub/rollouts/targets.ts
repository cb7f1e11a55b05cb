/** The agents a set or label rollout covers, each with what a rollback gives it back. */
import { TernError } from '../../protocol/errors.js';
import { type AgentTarget, type AssignableFlow, runsOnAgent } from '../fleet/assignment.js';
import { allAgents } from '../fleet/listing.js';
import type { AgentSyncStatus } from '../fleet/types.js';
import type { RolloutAgent } from '../store/rollout-records.js';
import type { HubStorage } from '../store/types.js';
import { flowKeyOf } from './plan.js';

/** An agent of a rollout, with the fields of its entry known when the rollout begins. */
export type Target = AgentTarget & {
  entry: Pick<RolloutAgent, 'previousRevision' | 'previousRevisions' | 'previousLabels' | 'previousVersion'>;
};

/**
 * The agents that any of `flows` (the revisions rolled out) runs on, each with the revision of every
 * flow of the set it runs now (from its desired state: what it was last given), null where none.
 */
export async function flowSetTargets(
  storage: HubStorage,
  flows: readonly AssignableFlow[],
): Promise<Target[]> {
  const targets: Target[] = [];
  for await (const agent of allAgents(storage)) {
    if (agent.decommissioned || !flows.some((f) => runsOnAgent(f.flow, agent))) continue;
    const desired = (agent.status as AgentSyncStatus).desired?.flows ?? [];
    const previousRevisions: Record<string, number | null> = {};
    for (const f of flows) {
      const held = desired.find((d) => d.namespace === f.namespace && d.id === f.id);
      previousRevisions[flowKeyOf(f.namespace, f.id)] = held?.revision ?? null;
    }
    targets.push({
      id: agent.id,
      labels: agent.labels,
      entry: { previousRevision: null, previousRevisions },
    });
  }
  if (targets.length === 0)
    throw new TernError(
      'CONFLICT',
      `no agent runs any of ${flows.map((f) => `${f.namespace}/${f.id} revision ${f.revision}`).join(', ')}`,
    );
  return targets;
}

/**
 * The live agents with every label of `selector` (every live agent when empty). Their labels before
 * are read when their stage starts, so a change made to them meanwhile is what a rollback restores.
 */
export async function labelTargets(storage: HubStorage, selector: Record<string, string>): Promise<Target[]> {
  const targets: Target[] = [];
  for await (const agent of allAgents(storage)) {
    if (agent.decommissioned) continue;
    if (!Object.entries(selector).every(([k, v]) => agent.labels[k] === v)) continue;
    targets.push({ id: agent.id, labels: agent.labels, entry: { previousRevision: null } });
  }
  if (targets.length === 0)
    throw new TernError('CONFLICT', `no agent${Object.keys(selector).length > 0 ? ' has those labels' : ''}`);
  return targets;
}
