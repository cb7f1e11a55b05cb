/** What the API sees of the fleet: agent lifecycle hooks and commands to agents. */

import type {
  AppliedFlow,
  Footprint,
  OutboxStatus,
  RefusedFlow,
  TriggerStatus,
} from '../../protocol/agent-status.js';
import type { AgentUpdateStatus } from '../../protocol/agent-update.js';
import type { Execution } from '../../protocol/execution.js';

/** A command published to an agent: what the API answers with. */
export interface SentCommand {
  agentId: string;
  commandId: string;
  /** The execution the command creates (`run`, named by the hub) or acts on. */
  executionId?: string;
}

export interface RunRequest {
  inputs?: Record<string, unknown>;
  labels?: Record<string, string>;
}

/** The fleet as the REST API uses it. Each hook publishes what changed to the agents concerned. */
export interface FleetControl {
  /** After `POST /agents`: publishes the agent's desired flows, retained, so they wait for it. */
  agentRegistered(agentId: string): Promise<void>;
  /** After `PATCH /agents/{id}`: publishes the desired flows its new labels select. */
  agentLabelsChanged(agentId: string): Promise<void>;
  /**
   * Sets the agent version the agent should run (`PUT /agents/{id}/version`; null: none asked) and
   * publishes its desired state with it. The version must be on the hub (the API checks).
   */
  setAgentVersion(agentId: string, version: string | null): Promise<void>;
  /**
   * After `POST /agents/{id}/token`: ends the agent's sessions on the embedded broker at once, so that
   * nothing goes on under the old token; the agent logs in again with the new one.
   */
  agentTokenRotated(agentId: string): void;
  /** After `DELETE /agents/{id}`: publishes `decommissioned: true`, then disconnects the agent. */
  agentDecommissioned(agentId: string): Promise<void>;
  /**
   * Sends `run` to one agent, or with `agent` `'*'` to every agent the flow is
   * assigned to; the hub names each execution. Throws NOT_FOUND (no flow, no
   * agent) or CONFLICT (a hub flow, not assigned, no agent assigned).
   */
  run(namespace: string, flowId: string, agent: string, request: RunRequest): Promise<SentCommand[]>;
  /** Sends kill, restart, replay or resume to the agent that ran `execution`; throws CONFLICT when it is gone. */
  command(
    execution: Execution,
    type: 'kill' | 'restart' | 'replay' | 'resume',
    fromTaskId?: string,
    inputs?: Record<string, unknown>,
  ): Promise<SentCommand>;
}

/** Added to the API's services when the hub runs a fleet. */
export interface FleetServices {
  fleet?: FleetControl;
}

/** What the fleet keeps in `agents.status` (besides what the agent reports as is). */
export interface AgentSyncStatus {
  /** Generation of the last desired state published; it only grows. */
  generation?: number;
  desired?: {
    generation: number;
    hash: string;
    publishedAt: string;
    decommissioned?: boolean;
    flows: AppliedFlow[];
    /** SHA-256 of the namespace files sent (namespaces, paths, revisions): a change republishes. */
    filesHash?: string;
    /** Namespaces whose files did not fit in `desired`: the agent keeps older copies of them. */
    namespaceFilesOmitted?: string[];
    /** The agent version `desired` named, if any. */
    agentVersion?: string;
  };
  /** The agent version the hub wants it to run (`PUT /agents/{id}/version`); null or absent: whatever it runs. */
  targetVersion?: string | null;
  /** What became of the last update of itself the agent tried, as its status said. */
  update?: AgentUpdateStatus;
  applied?: {
    generation: number;
    hash: string;
    flows: AppliedFlow[];
    refused: RefusedFlow[];
    reportedAt: string;
  };
  /**
   * `namespace/id` of every flow ever published to the agent in `desired`: the flows whose executions
   * it may report (records of executions it started before a flow was taken away from it are accepted).
   */
  assignedFlows?: string[];
  /** True while the agent has not applied exactly what it should run. */
  drift?: boolean;
  outbox?: Partial<OutboxStatus>;
  load?: { running: number; queued: number; rssBytes: number };
  /** Its memory, heap, event loop delay and start-up time, as of its last online status. */
  footprint?: Footprint;
  /** The triggers it reported running in its last online status. */
  triggers?: TriggerStatus[];
  startedAt?: string;
  pluginTypes?: string[];
  /** The labels the agent declared in its last hello (the hub's labels are the ones that count). */
  declaredLabels?: Record<string, string>;
  /** Answers to the latest commands, newest last (written by ingest). */
  commands?: unknown[];
}
