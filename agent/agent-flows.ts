/** The flows an agent runs: those the hub assigned (kept in its store), or standalone, a folder's. */
import type { Registry } from '../plugins/registry.js';
import type { Logger } from '../protocol/logger.js';
import type { AppliedFlow } from '../protocol/messages.js';
import type { FlowRecord } from '../runtime/engine/ports.js';
import { FlowDirectory } from '../runtime/flow-directory.js';
import type { AssignedFlows, FlowParser } from './sync/assigned-flows.js';

/** The agent's flow source, listed for the triggers and reported as applied flows. */
export interface AgentFlows {
  /** What the engine, triggers and webhooks read flows from. */
  readonly source: FlowDirectory | AssignedFlows;
  list(): FlowRecord[];
  /** With the revision and hash the hub gave (standalone: the revision, no hash). */
  applied(): AppliedFlow[];
}

export interface LoadAgentFlowsOptions {
  /** Standalone: the folder to load; otherwise the assigned flows restored from the store. */
  flowsDir: string | undefined;
  assigned: AssignedFlows;
  parse: FlowParser;
  registry: Registry;
  checkExpression: (template: string) => string | undefined;
  /** Loads the plugin modules of the types these flow sources name, before they are parsed. */
  loadPlugins: (sources: readonly string[]) => Promise<void>;
  log: Logger;
}

/** Loads the agent's flows, warning about each one that cannot be used (the others still run). */
export async function loadAgentFlows(o: LoadAgentFlowsOptions): Promise<AgentFlows> {
  if (o.flowsDir === undefined) {
    await o.loadPlugins(o.assigned.storedSources());
    for (const { flow, problems } of o.assigned.load(o.parse))
      o.log.warn({ namespace: flow.namespace, flowId: flow.id, problems }, 'assigned flow no longer usable');
    return { source: o.assigned, list: () => o.assigned.list(), applied: () => o.assigned.applied() };
  }
  const directory = new FlowDirectory();
  for (const file of await directory.load([o.flowsDir], o.registry, o.checkExpression)) {
    if (file.problems.length > 0)
      o.log.warn({ file: file.file, problems: file.problems }, 'flow file skipped');
  }
  return {
    source: directory,
    list: () => directory.list(),
    applied: () =>
      directory
        .list()
        .map((r) => ({ namespace: r.flow.namespace, id: r.flow.id, revision: r.revision, hash: '' })),
  };
}
