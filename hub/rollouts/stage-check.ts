/** One evaluation of a rollout's current stage: what its agents show, its executions, and the gates' outcome. */
import type { RolloutOptions } from '../../protocol/rollout.js';
import type { Rollout, RolloutStage } from '../store/rollout-records.js';
import type { HubStorage } from '../store/types.js';
import { type AgentView, agentVersionView, agentView, desiredView, evaluateGates } from './gates.js';
import { resolveOptions } from './plan.js';

/** What each kind of rollout changes, as gate reasons name it. */
const CHANGE_NAMES = {
  flow: 'revision',
  flows: 'flow set',
  labels: 'label change',
  agentVersion: 'agent version',
} as const;

/**
 * Evaluates the stage's gates once from the agents' rows and executions; marks each agent
 * `updating` that now shows the change `applied`.
 */
export async function checkStage(storage: HubStorage, rollout: Rollout, stage: RolloutStage, now: number) {
  const views: AgentView[] = [];
  for (const id of stage.agents) {
    const row = await storage.agents.get(id);
    if (!row || row.decommissioned) continue;
    const view =
      rollout.agentVersion !== undefined
        ? agentVersionView(row, rollout.agentVersion, stage.startedAt ?? rollout.createdAt)
        : rollout.kind === 'flows' || rollout.kind === 'labels'
          ? desiredView(row)
          : agentView(row, rollout.namespace, rollout.flowId, rollout.revision);
    views.push(view);
    const entry = rollout.agents[id];
    if (entry && view.applied && entry.state === 'updating') entry.state = 'applied';
  }
  return evaluateGates({
    stage,
    now,
    gates: resolveOptions(rollout.options as RolloutOptions).gates,
    agents: views,
    executions: await countExecutions(storage, rollout, stage),
    change: CHANGE_NAMES[rollout.kind ?? 'flow'],
  });
}

/**
 * Executions on the stage's agents since it started, and the agents of the failed ones: of the
 * rolled-out revisions, or, for an agent version or labels, of every flow (each agent's own, listed
 * by agent).
 */
async function countExecutions(storage: HubStorage, rollout: Rollout, stage: RolloutStage) {
  const agents = new Set(stage.agents);
  const counts = { total: 0, failed: 0, failedOn: new Set<string>() };
  const from = stage.startedAt ?? rollout.createdAt;
  const count = async (
    filter: { namespace?: string; flowId?: string; agent?: string },
    revision?: number,
  ) => {
    let cursor: string | undefined;
    do {
      const page = await storage.executions.list({
        ...filter,
        from,
        limit: 500,
        ...(cursor !== undefined && { cursor }),
      });
      for (const e of page.items) {
        // The namespace filter takes sub-namespaces too.
        if (filter.namespace !== undefined)
          if (e.namespace !== filter.namespace || e.flowRevision !== revision) continue;
        if (e.agentId === null || !agents.has(e.agentId)) continue;
        counts.total++;
        if (e.state === 'FAILED') {
          counts.failed++;
          counts.failedOn.add(e.agentId);
        }
      }
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  };
  if (rollout.kind === 'agentVersion' || rollout.kind === 'labels')
    for (const agent of stage.agents) await count({ agent });
  else
    for (const f of rollout.flows ?? [rollout])
      await count({ namespace: f.namespace, flowId: f.flowId }, f.revision);
  return { total: counts.total, failed: counts.failed, failedOn: [...counts.failedOn] };
}
