/** Which flows an agent should run: each flow's `runsOn` matched against the agent's id and labels. */
import { createHash } from 'node:crypto';
import type { Flow } from '../../protocol/flow.js';
import { type AppliedFlow, appliedStateHash, type DesiredFlow } from '../../protocol/messages.js';
import { flowKey } from '../store/sync-records.js';
import type { AgentSyncStatus } from './types.js';

/** What assignment needs to know about an agent. */
export interface AgentTarget {
  id: string;
  labels: Record<string, string>;
}

/** What assignment needs to know about a flow's latest revision. */
export interface AssignableFlow {
  namespace: string;
  id: string;
  revision: number;
  source: string;
  flow: Flow;
}

/**
 * True when the flow runs on the agent: `{labels}` needs every pair among the
 * agent's labels (an empty map matches every agent), `{agents}` lists its id.
 * Hub flows and disabled flows run on no agent.
 *
 * @example runsOnAgent({ runsOn: { labels: { site: 'a' } } } as Flow, { id: 'gw', labels: { site: 'a' } }) // true
 */
export function runsOnAgent(flow: Flow, agent: AgentTarget): boolean {
  const target = flow.runsOn;
  if (target === undefined || target === 'hub' || flow.disabled === true) return false;
  if ('agents' in target) return target.agents.includes(agent.id);
  return Object.entries(target.labels).every(([k, v]) => agent.labels[k] === v);
}

/** The SHA-256 (hex) of a flow's source, as carried in `desired`. */
export function sourceHash(source: string): string {
  return createHash('sha256').update(source).digest('hex');
}

/** The desired entry of one flow. */
export function desiredFlow(flow: AssignableFlow): DesiredFlow {
  return {
    namespace: flow.namespace,
    id: flow.id,
    revision: flow.revision,
    hash: sourceHash(flow.source),
    source: flow.source,
  };
}

/**
 * Which revision of a flow an agent runs: the flow's latest (`flow` itself), another revision (a
 * rollout has not reached the agent yet, or was rolled back), or null for none.
 */
export type RevisionSelector = (agentId: string, flow: AssignableFlow) => AssignableFlow | null;

const latest: RevisionSelector = (_agentId, flow) => flow;

/**
 * The flows among `flows` that run on `agent`, each at the revision `select` gives, as desired
 * entries sorted by namespace and id.
 */
export function desiredFlowsFor(
  agent: AgentTarget,
  flows: Iterable<AssignableFlow>,
  select: RevisionSelector = latest,
): DesiredFlow[] {
  const out: DesiredFlow[] = [];
  for (const f of flows) {
    const chosen = select(agent.id, f);
    if (chosen && runsOnAgent(chosen.flow, agent)) out.push(desiredFlow(chosen));
  }
  return out.sort((a, b) => `${a.namespace}/${a.id}`.localeCompare(`${b.namespace}/${b.id}`));
}

/** The desired flows without their sources: what the agent list shows and the drift check compares. */
export function revisionsOf(flows: readonly DesiredFlow[]): AppliedFlow[] {
  return flows.map(({ namespace, id, revision, hash }) => ({ namespace, id, revision, hash }));
}

/** {@link appliedStateHash} of a desired set: equal to the agent's reported hash once it applied all of it. */
export function desiredHash(flows: readonly DesiredFlow[]): string {
  return appliedStateHash(revisionsOf(flows));
}

/**
 * `status.assignedFlows` once `flows` are published to the agent: the flows it was ever assigned, these
 * included. Grows with the flows assigned, never shrinks: an agent may still hold records of a flow
 * taken away from it, of executions it legitimately ran. The sync repository reads it (`reportScope`).
 */
export function assignedFlowsAfter(status: AgentSyncStatus, flows: readonly DesiredFlow[]): string[] {
  const keys = new Set(status.assignedFlows ?? []);
  for (const f of [...(status.desired?.flows ?? []), ...flows]) keys.add(flowKey(f.namespace, f.id));
  return [...keys].sort();
}
