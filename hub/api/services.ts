/** What the REST API is given: the hub's services, each behind a small interface. */

import type { Registry as MetricsRegistry } from 'prom-client';
import type { Registry } from '../../plugins/registry.js';
import type { Execution, LogLine, TaskRun } from '../../protocol/execution.js';
import type { TriggerStatus } from '../../protocol/messages.js';
import type { ReviewRequest } from '../../runtime/engine/review.js';
import type { Renderer } from '../../runtime/expr/index.js';
import type { WebhookCall, WebhookReply } from '../../runtime/triggers/webhooks.js';
import type { HubEventSource } from '../events.js';
import type { SigningControl } from '../signing/rotation.js';
import type { HubStorage } from '../store/types.js';
import type { BridgeService } from './bridge.js';
import type { BrokerAuthService } from './broker-auth.js';
import type { FlowChecker } from './flow-check.js';
import type { BrokerListener } from './info.js';
import type { TokenRevocations } from './revocations.js';
import type { SecretsService } from './secrets.js';

export interface StartRequest {
  inputs?: Record<string, unknown>;
  labels?: Record<string, string>;
  trigger?: Record<string, unknown> | null;
}

/** A webhook call as the trigger sees it. */
export type WebhookRequest = WebhookCall;

export interface ExecutionListener {
  execution?(execution: Execution): void;
  taskRun?(taskRun: TaskRun): void;
  log?(line: LogLine): void;
}

/** Executions of hub flows on the shared engine. */
export interface HubExecutions {
  /** Throws TernError NOT_FOUND (no such flow), CONFLICT (disabled), InputValidationError. */
  start(namespace: string, flowId: string, request: StartRequest): Promise<Execution>;
  /** Resolves when the execution has ended (or at once if it has). */
  wait(executionId: string): Promise<Execution>;
  /** False when it is not running here. */
  kill(executionId: string): Promise<boolean>;
  /**
   * Resumes a paused execution with its paused tasks' `onResume` inputs.
   * False when it is not running here; throws CONFLICT (not paused), InputValidationError.
   */
  resume(executionId: string, inputs: Record<string, unknown>): Promise<boolean>;
  /**
   * Approves or denies a paused approval of an execution running here.
   * False when it is not running here; throws CONFLICT (no such approval paused), InputValidationError.
   */
  review(executionId: string, request: ReviewRequest): Promise<boolean>;
  /** Runs the failed task runs again in the same execution. Throws NOT_FOUND, CONFLICT (not ended, or nothing failed). */
  restart(executionId: string): Promise<Execution>;
  /** A new execution of the same flow revision and inputs, re-running from `fromTaskId` (default: the start). */
  replay(executionId: string, fromTaskId?: string): Promise<Execution>;
  /** Live changes of one execution; returns the unsubscribe function. */
  follow(executionId: string, listener: ExecutionListener): () => void;
  /**
   * Starts the flow whose webhook trigger has `key` (Kestra's path), through
   * the trigger's conditions, inputs and labels, and says what to answer: 404
   * when no live hub flow has a webhook trigger with that key.
   */
  webhook(namespace: string, flowId: string, key: string, request: WebhookRequest): Promise<WebhookReply>;
}

/** Largest agent bundle archive the hub takes by default: the bundle is a few megabytes compressed. */
export const DEFAULT_AGENT_BUNDLE_LIMIT_BYTES = 256 * 1024 * 1024;

/** What the API tells the broker whose logins the hub manages (hub/broker/managed-logins.ts). */
export interface BrokerLoginControl {
  /** The agent's new token (registered, or rotated) becomes its broker password. */
  agentRegistered(agentId: string, token: string): Promise<void>;
  /** The agent's login goes, and its sessions end. */
  agentDecommissioned(agentId: string): Promise<void>;
}

export interface HubServices {
  storage: HubStorage;
  registry: Registry;
  renderer: Renderer;
  executions: HubExecutions;
  metrics: MetricsRegistry;
  /** Maximum request body in bytes (413 above). */
  bodyLimitBytes: number;
  /** Maximum agent bundle upload in bytes; default {@link DEFAULT_AGENT_BUNDLE_LIMIT_BYTES}. */
  agentBundleLimitBytes?: number;
  /** Every change, for `GET /events`; without it that route answers 404. */
  events?: HubEventSource;
  /**
   * Called after a flow is created, updated or deleted (the fleet republishes agents' desired state);
   * `hold`: the new revision reaches no agent until a rollout names it (`PUT /flows/…?hold=true`).
   */
  onFlowChanged?(namespace: string, id: string, hold?: boolean): void;
  /** Called after a namespace file is written or deleted (the fleet sends agents running the namespace its files). */
  onNamespaceFilesChanged?(namespace: string): void;
  /** Revocation notices for open requests; the hub gives its own, shared with the other replicas. Default: this API's. */
  revocations?: TokenRevocations;
  /** Every trigger the hub runs itself, for the flow's `triggers`; without it no `hub` runtime is shown. */
  triggerStatuses?(): TriggerStatus[];
  /** Where agents reach the hub's MQTT broker, for `GET /info`; without it the list is empty. */
  brokerListeners?(): BrokerListener[];
  /** Agents' logins and topics for an external broker (EMQX, VerneMQ); without it `/broker/…` answers 403. */
  brokerAuth?: BrokerAuthService;
  /**
   * Agents' logins kept in the external broker itself (Mosquitto's dynamic security), told of every new
   * token and decommission; without it the broker's operator keeps them.
   */
  brokerLogins?: BrokerLoginControl;
  /** Whether the hub's connection to its MQTT broker is up, for `/healthz`; without it no broker is reported. */
  brokerConnected?(): boolean;
  /** The hub's signing keys (with a fleet); without them `/signing-keys` answers 404 and registration names no key. */
  signing?: SigningControl;
  /** The hub's secrets; without them `/secrets` answers 404. */
  secrets?: SecretsService;
  /** The Kafka bridge, when configured; without it `/bridge` reports it is off. */
  bridge?: BridgeService;
  /** Checks submitted flows; without it they are checked on the event loop with `registry` and `renderer`. */
  flowChecker?: FlowChecker;
}
