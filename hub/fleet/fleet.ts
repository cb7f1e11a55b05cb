/**
 * The fleet: each agent's desired flows (from the flows' `runsOn`) published
 * retained when something changes, the agents' hello, status and reports
 * kept in `agents`, their events ingested, and the hub's commands sent.
 */
import type { Registry as MetricsRegistry } from 'prom-client';
import { agentBundleContext, type DesiredAgent } from '../../protocol/agent-update.js';
import { forEachLimit } from '../../protocol/concurrency.js';
import type { Execution, LogLine, TaskRun } from '../../protocol/execution.js';
import type { Logger } from '../../protocol/logger.js';
import type {
  Desired,
  DesiredFlow,
  Hello,
  Messages,
  Reported,
  Status,
  TriggerToggle,
} from '../../protocol/messages.js';
import type { SignatureHeader } from '../../protocol/signing.js';
import { isTerminal } from '../../protocol/states.js';
import { agentTopic } from '../../protocol/topics.js';
import type { HubEventBus } from '../events.js';
import type { AgentRow, HubStorage, IngestResult } from '../store/types.js';
import {
  type AssignableFlow,
  assignedFlowsAfter,
  desiredFlowsFor,
  desiredHash,
  type RevisionSelector,
  revisionsOf,
} from './assignment.js';
import { FleetCommands } from './commands.js';
import { type DesiredFiles, desiredFilesFor } from './desired-files.js';
import { HubClient, type HubInbound } from './hub-client.js';
import { ingestBatch } from './ingest.js';
import { agentFlows, allAgents } from './listing.js';
import { FleetMetrics } from './metrics.js';
import type { AgentSyncStatus, FleetControl, RunRequest, SentCommand } from './types.js';

export interface FleetOptions {
  storage: HubStorage;
  metrics: MetricsRegistry;
  logger: Logger;
  /**
   * Ends an agent's sessions at once, writing `farewell`, if any, to each first (the
   * embedded broker's `endAgentSessions`); absent with an external broker,
   * which the hub cannot make drop a client.
   */
  endAgentSessions?: (agentId: string, farewell?: { topic: string; payload: string | Buffer }) => number;
  /** Where ingested executions and changed agents are announced (the API's `/events`). */
  events?: HubEventBus;
  /** Told of every ingested execution record that has ended or paused (the hub's `flow` triggers). */
  onExecutionEndedOrPaused?(execution: Execution): void;
  /** Which revision of each flow an agent runs (the rollouts); default: the latest. */
  selectRevision?: RevisionSelector;
  /** Enables or disables a trigger of a stored flow, as `PUT /flows/…/triggers/…` (an agent's trigger.Toggle). */
  setTriggerDisabled?(namespace: string, flowId: string, triggerId: string, disabled: boolean): Promise<void>;
  /** Signs every desired state, bound to its topic (hub/signing/): agents refuse anything unsigned. */
  signer: DesiredSigner;
}

/**
 * What signs for agents: a document's exact bytes, bound to `context` (its topic); and an agent
 * bundle's digest (a detached signature, made whenever `desired` names the bundle, so a key rotation
 * since the upload changes nothing).
 */
export interface DesiredSigner {
  sign(payload: Uint8Array, context: string): Buffer;
  signDigest(sha256: Buffer, context: string): SignatureHeader;
}

/** How the fleet connects, and whether other hub replicas share its broker and database. */
export interface FleetConnection {
  url: string;
  username?: string;
  password?: string;
  /**
   * Hub replicas share agent messages through this MQTT 5 shared-subscription group (an external
   * broker). Shared subscriptions get no retained messages: agents' statuses come back with their
   * next periodic status instead.
   */
  shareGroup?: string;
  /**
   * No other replica runs (default): every agent is marked offline until it says otherwise, and
   * every live agent's desired state is published again, for a broker that forgot what was
   * retained (the embedded one, at each start). Another replica running has kept both right:
   * only the desired states that changed are published.
   */
  alone?: boolean;
}

/**
 * How many agents' desired states are published at once on a rollout: one
 * after another, each waits for its database writes and the broker's
 * acknowledgement, and a large fleet took tens of seconds.
 */
const REPUBLISH_CONCURRENCY = 64;

/** Live changes of agent executions, as ingested. */
export interface IngestListener {
  execution?(execution: Execution): void;
  taskRun?(taskRun: TaskRun): void;
  log?(line: LogLine): void;
}

/**
 * Every message of one agent is handled in its own lane, one after the
 * other: events must be stored in order, and the agent's status row is read,
 * changed and written without another handler in between. Lanes of
 * different agents run side by side.
 */
export class Fleet implements FleetControl {
  private readonly log: Logger;
  private readonly metrics: FleetMetrics;
  private readonly storage: HubStorage;
  private readonly lanes = new Map<string, Promise<void>>();
  /** Latest revision of every live flow that runs on agents. */
  private readonly flows = new Map<string, AssignableFlow>();
  private readonly followers = new Map<string, Set<IngestListener>>();
  private readonly ingestListeners = new Set<IngestListener>();
  private readonly commands: FleetCommands;
  private client: HubClient | undefined;

  constructor(private readonly options: FleetOptions) {
    this.log = options.logger.child({ component: 'fleet' });
    this.storage = options.storage;
    this.metrics = new FleetMetrics(options.metrics);
    this.commands = new FleetCommands({
      storage: options.storage,
      publish: (agentId, command) => this.mqtt().publish(agentId, 'cmd', command),
    });
  }

  /**
   * Loads the agents' flows, marks every agent offline until it says
   * otherwise (retained statuses arrive on subscribe), connects, and
   * publishes every live agent's desired state: an embedded broker has
   * forgotten what was retained before the restart. A replica that joins
   * running ones does neither (see {@link FleetConnection.alone}).
   */
  async start(connection: FleetConnection): Promise<void> {
    const { alone = true, ...login } = connection;
    for await (const row of agentFlows(this.storage)) this.flows.set(`${row.namespace}/${row.id}`, row);
    if (alone)
      for await (const agent of allAgents(this.storage))
        if (agent.online) await this.storage.agents.updateStatus(agent.id, { online: false });
    this.client = await HubClient.connect({
      ...login,
      logger: this.log,
      metrics: this.metrics,
      onMessage: (agentId, kind, message, retained) => this.receive(agentId, kind, message, retained),
    });
    const live: string[] = [];
    for await (const agent of allAgents(this.storage)) if (!agent.decommissioned) live.push(agent.id);
    await this.republish(live, alone);
  }

  /** Whether the hub's own MQTT client is connected to the broker now. */
  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  async close(): Promise<void> {
    await Promise.all([...this.lanes.values()]);
    await this.client?.close();
  }

  /** Resolves once every message received so far is handled (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.lanes.size > 0) await Promise.all([...this.lanes.values()]);
  }

  /** Live changes of an execution run by an agent, as they are ingested; returns the unsubscribe function. */
  follow(executionId: string, listener: IngestListener): () => void {
    let set = this.followers.get(executionId);
    if (!set) {
      set = new Set();
      this.followers.set(executionId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.followers.delete(executionId);
    };
  }

  /** Every execution, task run and log line ingested from any agent; returns the unsubscribe function. */
  onIngest(listener: IngestListener): () => void {
    this.ingestListeners.add(listener);
    return () => this.ingestListeners.delete(listener);
  }

  /**
   * A flow was created, updated or deleted: republishes the desired state of the agents whose set
   * changes. With `publish` false (another hub replica saved it, and publishes) only this replica's
   * view of the agents' flows is brought up to date.
   */
  async flowChanged(namespace: string, id: string, publish = true): Promise<void> {
    const key = `${namespace}/${id}`;
    const row = await this.storage.flows.get(namespace, id);
    const wasAgentFlow = this.flows.has(key);
    if (row && row.flow.runsOn !== undefined && row.flow.runsOn !== 'hub') this.flows.set(key, row);
    else this.flows.delete(key);
    if (!publish || (!wasAgentFlow && !this.flows.has(key))) return;
    const changed: string[] = [];
    for await (const agent of allAgents(this.storage)) {
      if (agent.decommissioned) continue;
      const status = agent.status as AgentSyncStatus;
      if (status.desired?.hash !== desiredHash(this.desiredFlows(agent))) changed.push(agent.id);
    }
    await this.republish(changed, false);
  }

  /** A namespace file was written or deleted: republishes the desired state of the agents running flows of the namespace. */
  async namespaceFilesChanged(namespace: string): Promise<void> {
    const changed: string[] = [];
    for await (const agent of allAgents(this.storage)) {
      if (agent.decommissioned) continue;
      if (this.desiredFlows(agent).some((f) => f.namespace === namespace)) changed.push(agent.id);
    }
    await this.republish(changed, false);
  }

  /** Publishes these agents' desired states again where they changed (a rollout moved on or back). */
  agentsChanged(agentIds: readonly string[]): Promise<void> {
    return this.republish(agentIds, false);
  }

  agentRegistered(agentId: string): Promise<void> {
    return this.lane(agentId, () => this.publishDesired(agentId, true));
  }

  agentLabelsChanged(agentId: string): Promise<void> {
    return this.lane(agentId, () => this.publishDesired(agentId, false));
  }

  setAgentVersion(agentId: string, version: string | null): Promise<void> {
    return this.lane(agentId, async () => {
      const agent = await this.storage.agents.get(agentId);
      if (!agent) return;
      await this.updateAgent(agent, { status: { targetVersion: version } });
      await this.publishDesired(agentId, false);
    });
  }

  /**
   * The agent has a new token: its sessions under the old one end at once, without a farewell (it keeps
   * its flows), and a credential check under way is refused (it may have read the old token).
   */
  agentTokenRotated(agentId: string): void {
    this.options.endAgentSessions?.(agentId);
  }

  /**
   * The agent was decommissioned (its credentials are gone): its sessions end
   * at once, outside its lane, so that nothing it sends from now on reaches the
   * hub however busy the lane is; each is told `decommissioned` just before it
   * closes. The same notice is then published retained, as every desired state.
   */
  async agentDecommissioned(agentId: string): Promise<void> {
    const end = this.options.endAgentSessions;
    const agent = end && (await this.storage.agents.get(agentId));
    if (end && agent) {
      const topic = agentTopic(agentId, 'desired');
      const { desired } = this.desiredOf(agent, await this.targetBundle(agent));
      end(agentId, { topic, payload: this.signed(topic, desired) });
    }
    await this.lane(agentId, () => this.publishDesired(agentId, false));
    this.metrics.remove(agentId);
  }

  run(namespace: string, flowId: string, agent: string, request: RunRequest): Promise<SentCommand[]> {
    return this.commands.run(namespace, flowId, agent, request);
  }

  command(
    execution: Execution,
    type: 'kill' | 'restart' | 'replay' | 'resume',
    fromTaskId?: string,
    inputs?: Record<string, unknown>,
  ): Promise<SentCommand> {
    return this.commands.toExecution(execution, type, fromTaskId, inputs);
  }

  /**
   * The hub's signing keys changed (a rotation begun or finished, here or on another replica): every
   * live agent's desired state is published again, signed as they now say, so that agents learn the
   * next key while the current one still signs, and see the new one sign once it is current.
   */
  async signingKeysChanged(): Promise<void> {
    const live: string[] = [];
    for await (const agent of allAgents(this.storage)) if (!agent.decommissioned) live.push(agent.id);
    await this.republish(live, true);
  }

  /**
   * Publishes the desired state of many agents, {@link REPUBLISH_CONCURRENCY}
   * at a time; each still goes through its agent's lane, so it stays in order
   * with that agent's other messages.
   */
  private republish(agentIds: readonly string[], force: boolean): Promise<void> {
    return forEachLimit(agentIds, REPUBLISH_CONCURRENCY, async (agentId) => {
      await this.lane(agentId, () => this.publishDesired(agentId, force));
      return false;
    });
  }

  private mqtt(): HubClient {
    if (!this.client) throw new Error('the hub is not connected to its MQTT broker yet');
    return this.client;
  }

  /** Queues `task` behind everything queued for the agent; failures are logged, never thrown to the caller. */
  private lane(agentId: string, task: () => Promise<void>): Promise<void> {
    const previous = this.lanes.get(agentId) ?? Promise.resolve();
    const next = previous
      .then(task)
      .catch((err: unknown) => this.log.error({ agentId, err: String(err) }, 'agent message handling failed'))
      .finally(() => {
        if (this.lanes.get(agentId) === next) this.lanes.delete(agentId);
      });
    this.lanes.set(agentId, next);
    return next;
  }

  private receive<K extends HubInbound>(
    agentId: string,
    kind: K,
    message: Messages[K],
    retained: boolean,
  ): void {
    void this.lane(agentId, async () => {
      switch (kind) {
        case 'hello':
          return this.onHello(agentId, message as Hello);
        case 'status':
          return this.onStatus(agentId, message as Status, retained);
        case 'reported':
          return this.onReported(agentId, message as Reported);
        case 'events':
          await ingestBatch(
            {
              sync: this.storage.sync,
              metrics: this.metrics,
              logger: this.log,
              ack: (id, seq) => this.mqtt().publish(id, 'ack', { seq }),
              onStored: (id, result) => this.stored(id, result),
              toggle: (id, toggle) => this.toggle(id, toggle),
            },
            agentId,
            message as Messages['events'],
          );
      }
    });
  }

  private async onHello(agentId: string, hello: Hello): Promise<void> {
    if (hello.agentId !== agentId) {
      this.metrics.invalidMessage('hello');
      this.log.warn({ agentId, claimed: hello.agentId }, 'hello names another agent; ignored');
      return;
    }
    const agent = await this.storage.agents.get(agentId);
    if (!agent) {
      this.log.warn({ agentId }, 'hello from an unknown agent; register it with POST /agents');
      return;
    }
    const mark = await this.storage.sync.hello(agentId, hello.outbox);
    if (mark.change === 'reset')
      // A new store: its seqs start again, and without this every new record would look like a duplicate.
      this.log.warn(
        { agentId, store: hello.outbox.store, highSeq: hello.outbox.highSeq, lastSeq: mark.before },
        'agent store was reset; seq restarts',
      );
    else if (mark.change === 'raised')
      // Acked records the hub no longer holds (its database restored or replaced): the agent deleted them,
      // and its next batch follows them. Without this, every batch would wait for records that never come.
      this.log.warn(
        { agentId, ackedSeq: hello.outbox.ackedSeq, lastSeq: mark.before },
        'agent acked records this hub no longer holds; its mark moves up to them',
      );
    let labelsAdopted = false;
    if (Object.keys(agent.labels).length === 0 && Object.keys(hello.labels).length > 0) {
      // Registered without labels: the agent's own `--labels` fill in until the hub sets some.
      await this.storage.agents.setLabels(agentId, hello.labels);
      labelsAdopted = true;
    }
    const status = agent.status as AgentSyncStatus;
    await this.updateAgent(agent, {
      online: true,
      lastSeenAt: new Date().toISOString(),
      version: hello.version,
      status: {
        startedAt: hello.startedAt,
        pluginTypes: hello.pluginTypes,
        declaredLabels: hello.labels,
        outbox: { ...status.outbox, ...hello.outbox },
      },
    });
    this.metrics.setOnline(agentId, true);
    if (!agent.decommissioned && (status.desired === undefined || labelsAdopted))
      await this.publishDesired(agentId, status.desired === undefined);
  }

  private async onStatus(agentId: string, message: Status, retained: boolean): Promise<void> {
    const agent = await this.storage.agents.get(agentId);
    if (!agent) return;
    const online = message.state === 'online';
    const status: AgentSyncStatus = {};
    if (message.outbox) {
      status.outbox = message.outbox;
      this.metrics.outbox(agentId, message.outbox);
    }
    if (message.load) status.load = message.load;
    if (message.footprint) status.footprint = message.footprint;
    // The last will carries no triggers: the last ones reported stay, shown with the agent offline.
    if (message.triggers) status.triggers = message.triggers;
    if (message.update) {
      const before = (agent.status as AgentSyncStatus).update;
      const failed = message.update.state === 'refused' || message.update.state === 'rolled_back';
      // Said once per update: the status repeats it every few seconds.
      if (failed && message.update.at !== before?.at)
        this.log.warn({ agentId, update: message.update }, 'agent update not taken');
      status.update = message.update;
    }
    await this.updateAgent(agent, {
      online,
      // A retained status is as old as the agent's last word: its `since`, not our clock.
      lastSeenAt: retained ? message.since : new Date().toISOString(),
      ...(message.version !== undefined && { version: message.version }),
      status,
    });
    this.metrics.setOnline(agentId, online);
  }

  private async onReported(agentId: string, reported: Reported): Promise<void> {
    const agent = await this.storage.agents.get(agentId);
    if (!agent) return;
    const { generation, hash, applied, refused } = reported;
    await this.updateAgent(agent, {
      lastSeenAt: new Date().toISOString(),
      status: {
        applied: { generation, hash, flows: applied, refused, reportedAt: new Date().toISOString() },
      },
    });
    if (refused.length > 0) this.log.warn({ agentId, generation, refused }, 'agent refused flows');
  }

  /**
   * Computes and publishes (retained) the agent's desired state. Unless
   * `force`, nothing is published when it equals the last one; the
   * generation only grows when the content changes.
   */
  private async publishDesired(agentId: string, force: boolean): Promise<void> {
    const agent = await this.storage.agents.get(agentId);
    if (!agent) return;
    const { desired, hash, files, same } = this.desiredOf(agent, await this.targetBundle(agent));
    if (same && !force) return;
    if (!this.client) return;
    const { generation, flows, publishedAt } = desired;
    if (files.omitted.length > 0) {
      this.log.error(
        { agentId, generation, namespaces: files.omitted },
        'namespace files left out of desired: they do not fit in its size limit; the agent keeps its older copies',
      );
    }
    await this.client.publishBytes(
      agentId,
      'desired',
      this.signed(agentTopic(agentId, 'desired'), desired),
      true,
    );
    await this.updateAgent(agent, {
      status: {
        generation,
        assignedFlows: assignedFlowsAfter(agent.status as AgentSyncStatus, flows),
        desired: {
          generation,
          hash,
          publishedAt,
          flows: revisionsOf(flows),
          filesHash: files.hash,
          ...(files.omitted.length > 0 && { namespaceFilesOmitted: files.omitted }),
          ...(agent.decommissioned && { decommissioned: true }),
          ...(desired.agent && { agentVersion: desired.agent.version }),
        },
      },
    });
    this.log.info(
      { agentId, generation, flows: flows.length, agentVersion: desired.agent?.version },
      'desired flows published',
    );
  }

  /**
   * The agent's desired state as it stands: its flows (none once
   * decommissioned), their hash, and whether that equals the last one
   * published (then with the same generation, else the next one).
   */
  private desiredOf(
    agent: AgentRow,
    bundle: DesiredAgent | undefined,
  ): { desired: Desired; hash: string; files: DesiredFiles; same: boolean } {
    const status = agent.status as AgentSyncStatus;
    const flows = agent.decommissioned ? [] : this.desiredFlows(agent);
    const hash = desiredHash(flows);
    const files = desiredFilesFor(this.storage.namespaceFiles, flows);
    const previous = status.desired;
    const same =
      previous?.hash === hash &&
      previous.filesHash === files.hash &&
      (previous.decommissioned ?? false) === agent.decommissioned &&
      previous.agentVersion === bundle?.version;
    const generation = same && previous ? previous.generation : (status.generation ?? 0) + 1;
    const desired: Desired = {
      generation,
      flows,
      namespaceFiles: files.sets,
      ...(bundle && !agent.decommissioned && { agent: bundle }),
      publishedAt: new Date().toISOString(),
      ...(agent.decommissioned && { decommissioned: true }),
    };
    return { desired, hash, files, same };
  }

  /**
   * The agent version the hub wants `agent` to run, as `desired` carries it, its digest signed now;
   * undefined for none, or when the version is gone (logged: the agent keeps its own).
   */
  private async targetBundle(agent: AgentRow): Promise<DesiredAgent | undefined> {
    const version = (agent.status as AgentSyncStatus).targetVersion;
    if (!version) return undefined;
    const row = await this.storage.agentVersions.get(version);
    if (!row) {
      this.log.error(
        { agentId: agent.id, version },
        'the agent version set for this agent is not on the hub',
      );
      return undefined;
    }
    const signature = this.options.signer.signDigest(
      Buffer.from(row.sha256, 'hex'),
      agentBundleContext(row.version),
    );
    return { version: row.version, sha256: row.sha256, size: row.size, signature };
  }

  /** The agent's desired flows as they stand, each at the revision selected for it. */
  private desiredFlows(agent: AgentRow): DesiredFlow[] {
    return desiredFlowsFor(agent, this.flows.values(), this.options.selectRevision);
  }

  /** The signed document of `desired` for `topic`: the JSON's exact bytes after a signature line. */
  private signed(topic: string, desired: Desired): Buffer {
    return this.options.signer.sign(Buffer.from(JSON.stringify(desired), 'utf8'), topic);
  }

  /** Merges a patch into the agent's row (in its lane) and recomputes drift. */
  private async updateAgent(
    agent: AgentRow,
    patch: Partial<Pick<AgentRow, 'online' | 'lastSeenAt' | 'version'>> & { status?: AgentSyncStatus },
  ): Promise<void> {
    // Read again: ingest may have written command answers since `agent` was read.
    const current = (await this.storage.agents.get(agent.id)) ?? agent;
    const status: AgentSyncStatus = { ...(current.status as AgentSyncStatus), ...patch.status };
    if (status.desired) status.drift = status.applied?.hash !== status.desired.hash;
    await this.storage.agents.updateStatus(agent.id, { ...patch, status: status as Record<string, unknown> });
    const events = this.options.events;
    if (events?.active) {
      const row = await this.storage.agents.get(agent.id);
      if (row) events.emit({ type: 'agent', data: row });
    }
  }

  /** An agent's trigger.Toggle, applied to the hub's flow: only to a flow the hub assigns to that agent. */
  private async toggle(agentId: string, toggle: TriggerToggle): Promise<void> {
    const { namespace, flowId, triggerId, disabled } = toggle;
    const set = this.options.setTriggerDisabled;
    if (!set) throw new Error('this hub does not switch triggers');
    const agent = await this.storage.agents.get(agentId);
    const assigned = (agent?.status as AgentSyncStatus | undefined)?.desired?.flows ?? [];
    if (!assigned.some((f) => f.namespace === namespace && f.id === flowId))
      throw new Error(`flow ${namespace}.${flowId} is not assigned to agent ${agentId}`);
    await set(namespace, flowId, triggerId, disabled);
  }

  private stored(_agentId: string, result: IngestResult): void {
    for (const data of result.executions) this.options.events?.emit({ type: 'execution', data });
    for (const l of this.ingestListeners) {
      for (const e of result.executions) l.execution?.(e);
      for (const t of result.taskRuns) l.taskRun?.(t);
      for (const line of result.logs) l.log?.(line);
    }
    // Flow triggers fire on records stored as the agent sent them: a placeholder's state is the hub's, not the run's.
    const ended = this.options.onExecutionEndedOrPaused;
    const placeholders = new Set(
      result.placeholders.filter((p) => p.kind === 'execution').map((p) => p.executionId),
    );
    if (ended)
      for (const e of result.executions)
        if ((isTerminal(e.state) || e.state === 'PAUSED') && !placeholders.has(e.id)) ended(e);
    if (this.followers.size === 0) return;
    for (const e of result.executions) for (const l of this.followers.get(e.id) ?? []) l.execution?.(e);
    for (const t of result.taskRuns) for (const l of this.followers.get(t.executionId) ?? []) l.taskRun?.(t);
    for (const line of result.logs) for (const l of this.followers.get(line.executionId) ?? []) l.log?.(line);
  }
}
