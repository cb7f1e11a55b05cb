/** Commands from the hub to agents: run a flow (the hub names the execution), and kill, restart or replay an agent's execution. */
import { TernError } from '../../protocol/errors.js';
import type { Execution } from '../../protocol/execution.js';
import { newId } from '../../protocol/ids.js';
import type { Command } from '../../protocol/messages.js';
import type { AgentRow, HubStorage } from '../store/types.js';
import { runsOnAgent } from './assignment.js';
import { allAgents } from './listing.js';
import type { RunRequest, SentCommand } from './types.js';

export interface FleetCommandsOptions {
  storage: HubStorage;
  /** Publishes a command to the agent (QoS 1). */
  publish(agentId: string, command: Command): Promise<void>;
}

/**
 * Checks a command against the flows and agents the hub knows, then
 * publishes it. The answer comes back later as a `command` record in the
 * agent's events (stored in the agent's status), and the execution itself
 * as the agent's execution records.
 */
export class FleetCommands {
  constructor(private readonly options: FleetCommandsOptions) {}

  /** Sends `run` to `agent`, or with `'*'` to every live agent the flow is assigned to; one new execution id each. */
  async run(namespace: string, flowId: string, agent: string, request: RunRequest): Promise<SentCommand[]> {
    const { storage } = this.options;
    const row = await storage.flows.get(namespace, flowId);
    if (!row) throw new TernError('NOT_FOUND', `flow ${namespace}.${flowId} not found`);
    if (row.flow.runsOn === undefined || row.flow.runsOn === 'hub')
      throw new TernError('CONFLICT', `flow ${namespace}.${flowId} runs on the hub, not on agents`);
    if (row.flow.disabled) throw new TernError('CONFLICT', `flow ${namespace}.${flowId} is disabled`);
    let targets: AgentRow[];
    if (agent === '*') {
      targets = [];
      for await (const a of allAgents(storage))
        if (!a.decommissioned && runsOnAgent(row.flow, a)) targets.push(a);
      if (targets.length === 0)
        throw new TernError('CONFLICT', `flow ${namespace}.${flowId} is assigned to no agent`);
    } else {
      const found = await storage.agents.get(agent);
      if (!found || found.decommissioned) throw new TernError('NOT_FOUND', `no agent ${agent}`);
      if (!runsOnAgent(row.flow, found))
        throw new TernError('CONFLICT', `flow ${namespace}.${flowId} is not assigned to agent ${agent}`);
      targets = [found];
    }
    const sent: SentCommand[] = [];
    for (const target of targets) {
      const executionId = newId();
      const command: Command = {
        id: newId(),
        type: 'run',
        namespace,
        flowId,
        executionId,
        ...(request.inputs !== undefined && { inputs: request.inputs }),
        ...(request.labels !== undefined && { labels: request.labels }),
      };
      await this.options.publish(target.id, command);
      sent.push({ agentId: target.id, commandId: command.id, executionId });
    }
    return sent;
  }

  /** Sends kill, restart, replay or resume (with its `onResume` inputs) to the agent that ran the execution. */
  async toExecution(
    execution: Execution,
    type: 'kill' | 'restart' | 'replay' | 'resume',
    fromTaskId?: string,
    inputs?: Record<string, unknown>,
  ): Promise<SentCommand> {
    const agentId = execution.agentId;
    if (agentId === null) throw new TernError('CONFLICT', `execution ${execution.id} runs on the hub`);
    const agent = await this.options.storage.agents.get(agentId);
    if (!agent || agent.decommissioned)
      throw new TernError(
        'CONFLICT',
        `agent ${agentId}, which ran execution ${execution.id}, is decommissioned`,
      );
    const command: Command = {
      id: newId(),
      type,
      executionId: execution.id,
      ...(fromTaskId !== undefined && { fromTaskId }),
      ...(inputs !== undefined && { inputs }),
    };
    await this.options.publish(agentId, command);
    return { agentId, commandId: command.id, executionId: execution.id };
  }
}
