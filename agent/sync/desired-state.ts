/** The hub's desired state applied on the agent: which flows it runs, its generation and whether it is decommissioned, kept across restarts. */
import type { Logger } from '../../protocol/logger.js';
import { appliedStateHash, type Desired, type Reported } from '../../protocol/messages.js';
import type { FlowRecord } from '../../runtime/engine/ports.js';
import type { SqliteNamespaceFiles } from '../store/namespace-files.js';
import { type AgentState, STATE_KEYS } from './agent-state.js';
import { type AssignedFlows, type FlowParser, planDesired } from './assigned-flows.js';
import { applyNamespaceFiles } from './namespace-files.js';

export interface DesiredStateOptions {
  state: AgentState;
  assigned: AssignedFlows;
  /** Where the namespace files of the agent's flows are kept. */
  namespaceFiles: SqliteNamespaceFiles;
  parse: FlowParser;
  log: Logger;
  /** Called with the flows the agent now runs, as soon as they are replaced (the triggers follow them). */
  onFlowsChanged(flows: FlowRecord[]): void;
}

/**
 * Applies each desired state the hub publishes: the assigned flows are
 * replaced by those that parse (the others are refused, with the reason), the
 * namespace files of their namespaces by those sent, and
 * the generation and decommissioning are stored before the report is made.
 *
 * @example
 * const desired = new DesiredState({ state, assigned, parse, log, onFlowsChanged });
 * sync.publishReported(desired.apply(message));
 */
export class DesiredState {
  private currentGeneration: number;
  private isDecommissioned: boolean;

  constructor(private readonly options: DesiredStateOptions) {
    this.currentGeneration = options.state.number(STATE_KEYS.generation);
    this.isDecommissioned = options.state.get(STATE_KEYS.decommissioned) === 'true';
  }

  /** The generation of the desired state last applied (0 before any). */
  get generation(): number {
    return this.currentGeneration;
  }

  /** True once the hub has decommissioned the agent: it runs nothing more. */
  get decommissioned(): boolean {
    return this.isDecommissioned;
  }

  /** Applies `desired` and returns what to report to the hub. */
  apply(desired: Desired): Reported {
    const { state, assigned, parse, log } = this.options;
    const plan = planDesired(desired.flows, desired.decommissioned === true, assigned, parse);
    assigned.replace(plan.next);
    applyNamespaceFiles(this.options.namespaceFiles, desired.namespaceFiles ?? [], log);
    this.options.onFlowsChanged(assigned.list());
    this.isDecommissioned = desired.decommissioned === true;
    this.currentGeneration = desired.generation;
    state.set(STATE_KEYS.generation, this.currentGeneration);
    state.set(STATE_KEYS.decommissioned, this.isDecommissioned);
    const applied = assigned.applied();
    for (const r of plan.refused)
      log.warn(
        { namespace: r.namespace, flowId: r.id, revision: r.revision, reason: r.reason },
        'flow refused',
      );
    log.info(
      {
        generation: this.currentGeneration,
        applied: applied.length,
        refused: plan.refused.length,
        decommissioned: this.isDecommissioned,
      },
      'desired flows applied',
    );
    return {
      generation: this.currentGeneration,
      hash: appliedStateHash(applied),
      applied,
      refused: plan.refused,
      ...(this.isDecommissioned ? { decommissioned: true } : {}),
    };
  }
}
