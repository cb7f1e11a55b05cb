/**
 * Rollouts: a flow revision, a set of them, a label change or an agent version reaches its agents
 * stage by stage, each stage gated on what the agents report, through the fleet's desired state (each
 * agent's revision of a flow comes from here; its labels and agent version are set on it as
 * `PATCH /agents/{id}` and `PUT /agents/{id}/version` do).
 */
import { parse } from 'yaml';
import { TernError } from '../../protocol/errors.js';
import type { Flow } from '../../protocol/flow.js';
import { newId } from '../../protocol/ids.js';
import type { Logger } from '../../protocol/logger.js';
import type { ResolvedRolloutOptions, RolloutOptions } from '../../protocol/rollout.js';
import type { HubEventBus } from '../events.js';
import { type AgentTarget, type AssignableFlow, runsOnAgent } from '../fleet/assignment.js';
import { allAgents } from '../fleet/listing.js';
import type { AgentSyncStatus } from '../fleet/types.js';
import {
  ENDED_ROLLOUT_STATUSES,
  type LabelChange,
  type Rollout,
  type RolloutFlow,
  type RolloutStage,
} from '../store/rollout-records.js';
import type { HubStorage } from '../store/types.js';
import { flowKeyOf as key, planStages, resolveOptions, revisionFor, withLabelChange } from './plan.js';
import { checkStage } from './stage-check.js';
import { flowSetTargets, labelTargets, type Target } from './targets.js';

export interface RolloutControllerOptions {
  storage: HubStorage;
  logger: Logger;
  /** Publishes the desired state of these agents again (the fleet's `agentsChanged`). */
  republish(agentIds: readonly string[]): Promise<void>;
  /** Sets the agent version an agent runs and publishes its desired state (the fleet's `setAgentVersion`). */
  setAgentVersion(agentId: string, version: string | null): Promise<void>;
  /** Replaces an agent's labels and publishes the desired state they give it (as `PATCH /agents/{id}`). */
  setAgentLabels(agentId: string, labels: Record<string, string>): Promise<void>;
  events?: HubEventBus;
  /** Told of every rollout saved (metrics). */
  onChange?(rollout: Rollout): void;
  /** How often running rollouts' gates are evaluated; default 1 s. */
  tickMs?: number;
}

/** What `POST /rollouts` names: a flow (and revision), a set of them, a label change, or an agent version. */
export type RolloutRequest =
  | FlowRolloutRequest
  | FlowSetRolloutRequest
  | LabelRolloutRequest
  | AgentVersionRolloutRequest;

/** Several flows' revisions rolled out together (`tern deploy --rollout`): each stage's agents get them all. */
export interface FlowSetRolloutRequest {
  /** Each `revision` defaults to the flow's latest. */
  flows: { namespace: string; flowId: string; revision?: number }[];
  options?: RolloutOptions;
}

/** A change of agents' labels, which changes the flows their `runsOn` selects. */
export interface LabelRolloutRequest {
  labels: LabelChange;
  /** Only the agents with every label given; default: every agent. */
  agents?: Record<string, string>;
  options?: RolloutOptions;
}

export interface FlowRolloutRequest {
  namespace: string;
  flowId: string;
  /** Default: the flow's latest revision. */
  revision?: number;
  /** Default: the revision's own `rollout:`, else the defaults. */
  options?: RolloutOptions;
}

export interface AgentVersionRolloutRequest {
  /** An agent version uploaded to the hub. */
  agentVersion: string;
  /** Only the agents with every label given; default: every agent. */
  labels?: Record<string, string>;
  options?: RolloutOptions;
}

/** The subject fields of a rollout that is not of one flow. */
const NO_FLOW = { namespace: '', flowId: '', revision: 0, baseRevision: 0, previousRevision: null };

/** The options with their defaults; an invalid one is the request's fault. */
function optionsOf(raw: RolloutOptions): ResolvedRolloutOptions {
  try {
    return resolveOptions(raw);
  } catch (err) {
    throw new TernError('BAD_REQUEST', (err as Error).message);
  }
}
/** Where the agent version and label rollouts are kept among the governing ones: no flow key is without a `/`. */
const AGENT_VERSION_KEY = 'agent version';
const LABELS_KEY = 'labels';
/** What a rollout decides: its flow, each flow of its set, the agents' labels, or their agent version. */
const keysOf = (r: Pick<Rollout, 'kind' | 'namespace' | 'flowId' | 'flows'>): string[] =>
  r.kind === 'agentVersion'
    ? [AGENT_VERSION_KEY]
    : r.kind === 'labels'
      ? [LABELS_KEY]
      : r.kind === 'flows'
        ? (r.flows ?? []).map((f) => key(f.namespace, f.flowId))
        : [key(r.namespace, r.flowId)];
/** The rollout's flow, or the flow `flowKey` of its set. */
const flowOf = (
  r: Rollout,
  flowKey: string,
): Pick<RolloutFlow, 'namespace' | 'flowId' | 'revision' | 'baseRevision' | 'previousRevision'> =>
  r.flows?.find((f) => key(f.namespace, f.flowId) === flowKey) ?? r;

/**
 * Drives every rollout. The newest rollout of a flow decides its agents' revisions while the flow's
 * latest revision is the one it began on (`baseRevision`): saving the flow again (with `rollout:`,
 * a new rollout; without, every agent gets it) ends that. Changes run one at a time.
 */
export class RolloutController {
  private readonly log: Logger;
  /** The rollout deciding each flow's revisions, by `namespace/id`. */
  private readonly governing = new Map<string, Rollout>();
  /** Revisions the governing rollouts hand out, by `namespace/id@revision`. */
  private readonly revisions = new Map<string, AssignableFlow>();
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RolloutControllerOptions) {
    this.log = options.logger.child({ component: 'rollouts' });
  }

  /** Loads the rollouts that decide their flows' revisions and starts evaluating gates. */
  async start(): Promise<void> {
    // Oldest first: a newer rollout of a flow takes it over from an older set.
    const found = (await this.options.storage.rollouts.latestPerFlow()).sort((a, b) =>
      a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
    );
    for (const rollout of found) {
      if (rollout.kind === 'agentVersion' || rollout.kind === 'labels') {
        await this.govern(rollout);
        continue;
      }
      const still: string[] = [];
      for (const k of keysOf(rollout)) {
        const f = flowOf(rollout, k);
        const flow = await this.options.storage.flows.get(f.namespace, f.flowId);
        if (flow?.revision === f.baseRevision) still.push(k);
      }
      if (still.length > 0) await this.govern(rollout, still);
    }
    this.timer = setInterval(() => void this.tick(), this.options.tickMs ?? 1000);
    this.timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.chain.catch(() => undefined);
  }

  /**
   * The revision of `flow` the agent runs: `flow` itself (its latest) when no rollout decides it,
   * another revision while one does, or null for none (it ran none before the rollout reached it).
   */
  select(agentId: string, flow: AssignableFlow): AssignableFlow | null {
    const flowKey = key(flow.namespace, flow.id);
    const rollout = this.governing.get(flowKey);
    if (!rollout) return flow;
    const revision = revisionFor(rollout, agentId, flowKey);
    if (revision === null) return null;
    return this.revisions.get(`${key(flow.namespace, flow.id)}@${revision}`) ?? flow;
  }

  /** Every rollout deciding a flow now. */
  current(): Rollout[] {
    return [...new Set(this.governing.values())];
  }

  /**
   * A flow was saved or deleted, before the fleet republishes: a revision with `rollout:` starts a
   * rollout; so does one saved with `hold` (`PUT /flows/…?hold=true`), paused before its first stage,
   * until a set rollout takes it (`tern deploy --rollout`); any other change ends the rollout that
   * decided the flow (cancelled if still going).
   */
  flowSaved(namespace: string, flowId: string, hold = false): Promise<void> {
    return this.serial(async () => {
      const row = await this.options.storage.flows.get(namespace, flowId);
      const flowKey = key(namespace, flowId);
      const current = this.governing.get(flowKey);
      if (row && current && flowOf(current, flowKey).baseRevision === row.revision) return;
      if ((row?.flow.rollout || hold) && row?.flow.runsOn !== undefined && row.flow.runsOn !== 'hub') {
        try {
          const held = hold
            ? ({ status: 'PAUSED', pausedFrom: 'RUNNING', reason: 'held for a rollout to name it' } as const)
            : undefined;
          await this.begin(
            { namespace, flowId, revision: row.revision },
            row.revision,
            row.flow.rollout,
            held,
          );
          return;
        } catch (err) {
          // No agent runs it yet (CONFLICT): there is nothing to stage, and the agents that join get it.
          this.log.warn(
            { namespace, flowId, revision: row.revision, err: String(err) },
            'rollout not started; the revision goes to its agents as without rollout',
          );
        }
      }
      if (current)
        await this.release(current, `flow saved again (revision ${row?.revision ?? 'deleted'})`, [flowKey]);
    });
  }

  /** Starts a rollout of a revision or an agent version (`POST /rollouts`). Throws NOT_FOUND, CONFLICT, BAD_REQUEST. */
  create(request: RolloutRequest): Promise<Rollout> {
    return this.serial(async () => {
      if ('agentVersion' in request) return this.beginAgentVersion(request);
      if ('flows' in request) return this.beginSet(request);
      if ('labels' in request) return this.beginLabels(request);
      const row = await this.options.storage.flows.get(request.namespace, request.flowId);
      if (!row) throw new TernError('NOT_FOUND', `no flow ${request.namespace}/${request.flowId}`);
      return this.begin(request, row.revision, request.options);
    });
  }

  /** The next stage starts now: after a stage passed with `pause: APPROVAL` (or during a timed pause). */
  approve(id: string): Promise<Rollout> {
    return this.change(id, ['WAITING'], async (r) => this.advance(r));
  }

  /** Holds a running or waiting rollout where it is; agents keep what they have. */
  pause(id: string): Promise<Rollout> {
    return this.change(id, ['RUNNING', 'WAITING'], async (r) => {
      r.pausedFrom = r.status;
      r.status = 'PAUSED';
    });
  }

  resume(id: string): Promise<Rollout> {
    return this.change(id, ['PAUSED'], async (r) => {
      r.status = r.pausedFrom ?? 'RUNNING';
      delete r.pausedFrom;
    });
  }

  /** Every agent the rollout reached gets its previous revision back, offline ones when they return. */
  rollback(id: string): Promise<Rollout> {
    return this.change(id, ['RUNNING', 'WAITING', 'PAUSED', 'FAILED', 'SUCCEEDED'], async (r) => {
      await this.rollBack(r, r.reason ?? 'rolled back on request');
    });
  }

  /** Runs a change of one rollout, which must be the one deciding its flow and in one of `from`. */
  private change(
    id: string,
    from: Rollout['status'][],
    act: (r: Rollout) => Promise<void>,
  ): Promise<Rollout> {
    return this.serial(async () => {
      const stored = await this.options.storage.rollouts.get(id);
      if (!stored) throw new TernError('NOT_FOUND', `no rollout ${id}`);
      const rollout = keysOf(stored)
        .map((k) => this.governing.get(k))
        .find((r) => r?.id === id);
      if (!rollout)
        throw new TernError(
          'CONFLICT',
          stored.kind === 'agentVersion'
            ? `rollout ${id} no longer decides agent versions: a newer agent version rollout began`
            : stored.kind === 'labels'
              ? `rollout ${id} no longer decides labels: a newer label rollout began`
              : `rollout ${id} no longer decides ${keysOf(stored).join(', ')}: saved since, or taken by a newer rollout`,
        );
      if (!from.includes(rollout.status))
        throw new TernError(
          'CONFLICT',
          `rollout ${id} is ${rollout.status}; this needs ${from.join(' or ')}`,
        );
      await act(rollout);
      await this.save(rollout);
      return rollout;
    });
  }

  private async begin(
    request: FlowRolloutRequest,
    baseRevision: number,
    given?: RolloutOptions,
    initial?: Pick<Rollout, 'status' | 'pausedFrom' | 'reason'>,
  ): Promise<Rollout> {
    const { storage } = this.options;
    const { namespace, flowId } = request;
    const revision = request.revision ?? baseRevision;
    const target = await this.load(namespace, flowId, revision);
    if (!target) throw new TernError('NOT_FOUND', `no live revision ${revision} of ${namespace}/${flowId}`);
    const runsOn = target.flow.runsOn;
    if (runsOn === undefined || runsOn === 'hub')
      throw new TernError(
        'CONFLICT',
        `${namespace}/${flowId} revision ${revision} runs on the hub, not on agents`,
      );
    const raw = given ?? target.flow.rollout ?? {};
    const options = optionsOf(raw);
    const targets: (AgentTarget & { previous: number | null })[] = [];
    for await (const agent of allAgents(storage)) {
      if (agent.decommissioned || !runsOnAgent(target.flow, agent)) continue;
      const desired = (agent.status as AgentSyncStatus).desired?.flows ?? [];
      const held = desired.find((f) => f.namespace === namespace && f.id === flowId);
      targets.push({ id: agent.id, labels: agent.labels, previous: held?.revision ?? null });
    }
    if (targets.length === 0)
      throw new TernError('CONFLICT', `no agent runs ${namespace}/${flowId} revision ${revision}`);
    const rollout = await this.launch(
      {
        kind: 'flow',
        namespace,
        flowId,
        revision,
        baseRevision,
        previousRevision: await this.previousLive(namespace, flowId, revision, baseRevision),
      },
      targets.map((t) => ({ ...t, entry: { previousRevision: t.previous } })),
      raw,
      options,
      initial,
    );
    this.log.info(
      { rolloutId: rollout.id, namespace, flowId, revision, stages: rollout.stages.length },
      'rollout started',
    );
    return rollout;
  }

  /**
   * Starts a rollout of an agent version over every agent (with the labels given). Each agent's
   * previous version, which a rollback sets back, is the one it reports running: it must be on the
   * hub too, or nothing could restore it.
   */
  private async beginAgentVersion(request: AgentVersionRolloutRequest): Promise<Rollout> {
    const { storage } = this.options;
    const { agentVersion, labels = {} } = request;
    if (!(await storage.agentVersions.get(agentVersion)))
      throw new TernError('NOT_FOUND', `no agent version ${agentVersion}: upload it first`);
    const raw = request.options ?? {};
    const options = optionsOf(raw);
    const targets: Target[] = [];
    const missing = new Map<string, string[]>();
    for await (const agent of allAgents(storage)) {
      if (agent.decommissioned) continue;
      if (!Object.entries(labels).every(([k, v]) => agent.labels[k] === v)) continue;
      const previous = agent.version ?? (agent.status as AgentSyncStatus).targetVersion ?? null;
      if (previous !== null && previous !== agentVersion && !(await storage.agentVersions.get(previous)))
        missing.set(previous, [...(missing.get(previous) ?? []), agent.id]);
      targets.push({
        id: agent.id,
        labels: agent.labels,
        entry: { previousRevision: null, previousVersion: previous },
      });
    }
    if (missing.size > 0)
      throw new TernError(
        'CONFLICT',
        `a rollback could not restore what these agents run: ${[...missing]
          .map(([v, ids]) => `${v} (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''})`)
          .join('; ')}; upload those agent versions first`,
      );
    if (targets.length === 0)
      throw new TernError('CONFLICT', `no agent${Object.keys(labels).length > 0 ? ' has those labels' : ''}`);
    const rollout = await this.launch(
      {
        ...NO_FLOW,
        kind: 'agentVersion',
        agentVersion,
        ...(Object.keys(labels).length > 0 && { labels }),
      },
      targets,
      raw,
      options,
    );
    this.log.info(
      { rolloutId: rollout.id, agentVersion, stages: rollout.stages.length },
      'agent version rollout started',
    );
    return rollout;
  }

  /**
   * Starts a rollout of several flows' revisions together: every stage's agents get all of them, and
   * a rollback gives each agent each flow's revision it ran before.
   */
  private async beginSet(request: FlowSetRolloutRequest): Promise<Rollout> {
    const { storage } = this.options;
    const flows: RolloutFlow[] = [];
    const loaded: AssignableFlow[] = [];
    for (const [i, f] of request.flows.entries()) {
      const where = `flows[${i}] (${f.namespace}/${f.flowId})`;
      if (flows.some((o) => o.namespace === f.namespace && o.flowId === f.flowId))
        throw new TernError('BAD_REQUEST', `${where}: the flow is named twice`);
      const row = await storage.flows.get(f.namespace, f.flowId);
      if (!row) throw new TernError('NOT_FOUND', `${where}: no flow ${f.namespace}/${f.flowId}`);
      const revision = f.revision ?? row.revision;
      const target = await this.load(f.namespace, f.flowId, revision);
      if (!target) throw new TernError('NOT_FOUND', `${where}: no live revision ${revision}`);
      if (target.flow.runsOn === undefined || target.flow.runsOn === 'hub')
        throw new TernError('CONFLICT', `${where}: revision ${revision} runs on the hub, not on agents`);
      loaded.push(target);
      flows.push({
        namespace: f.namespace,
        flowId: f.flowId,
        revision,
        baseRevision: row.revision,
        previousRevision: await this.previousLive(f.namespace, f.flowId, revision, row.revision),
      });
    }
    if (flows.length === 0) throw new TernError('BAD_REQUEST', 'flows: name at least one flow');
    const raw = request.options ?? {};
    const rollout = await this.launch(
      { ...NO_FLOW, kind: 'flows', flows },
      await flowSetTargets(storage, loaded),
      raw,
      optionsOf(raw),
    );
    this.log.info(
      { rolloutId: rollout.id, flows: flows.length, stages: rollout.stages.length },
      'flow set rollout started',
    );
    return rollout;
  }

  /** Starts a rollout of a label change over the agents `agents` selects (every agent by default). */
  private async beginLabels(request: LabelRolloutRequest): Promise<Rollout> {
    const { labels: change, agents: selector = {} } = request;
    if (Object.keys(change.set ?? {}).length === 0 && (change.remove ?? []).length === 0)
      throw new TernError('BAD_REQUEST', 'labels: set or remove at least one label');
    const raw = request.options ?? {};
    const options = optionsOf(raw);
    const rollout = await this.launch(
      {
        ...NO_FLOW,
        kind: 'labels',
        labelChange: change,
        ...(Object.keys(selector).length > 0 && { labels: selector }),
      },
      await labelTargets(this.options.storage, selector),
      raw,
      options,
    );
    this.log.info({ rolloutId: rollout.id, stages: rollout.stages.length }, 'label rollout started');
    return rollout;
  }

  /** A new rollout of `subject` in stages over `targets`: it supersedes the one deciding the same, and is saved. */
  private async launch(
    subject: Omit<
      Rollout,
      'id' | 'status' | 'stage' | 'stages' | 'agents' | 'options' | 'createdAt' | 'updatedAt'
    >,
    targets: readonly Target[],
    raw: RolloutOptions,
    options: ResolvedRolloutOptions,
    initial?: Pick<Rollout, 'status' | 'pausedFrom' | 'reason'>,
  ): Promise<Rollout> {
    const now = new Date().toISOString();
    const stages = planStages(targets, options);
    const rollout: Rollout = {
      id: newId(),
      ...subject,
      status: 'RUNNING',
      stage: 0,
      stages: stages.map((s): RolloutStage => ({ ...s, state: 'PENDING' })),
      agents: {},
      options: raw as Record<string, unknown>,
      createdAt: now,
      updatedAt: now,
      ...initial,
    };
    const byId = new Map(targets.map((t) => [t.id, t.entry]));
    stages.forEach((s, stage) => {
      for (const id of s.agents)
        rollout.agents[id] = { stage, previousRevision: null, ...byId.get(id), state: 'pending' };
    });
    for (const k of keysOf(rollout)) {
      const superseded = this.governing.get(k);
      if (superseded) await this.release(superseded, `superseded by rollout ${rollout.id}`, [k]);
    }
    await this.govern(rollout);
    await this.save(rollout);
    return rollout;
  }

  /** The revision agents outside the rollout run until it succeeds: the live one before it. */
  private async previousLive(namespace: string, flowId: string, revision: number, base: number) {
    if (revision !== base) return base;
    const earlier = (await this.options.storage.flows.revisions(namespace, flowId)).filter(
      (r) => r.revision < revision,
    );
    const last = earlier.at(-1);
    return last && !last.deleted ? last.revision : null;
  }

  /** Makes `rollout` decide what it changes (of a set, the flows `only`), its revisions loaded. */
  private async govern(rollout: Rollout, only = keysOf(rollout)): Promise<void> {
    for (const flowKey of only) {
      if (flowKey === AGENT_VERSION_KEY || flowKey === LABELS_KEY) {
        this.governing.set(flowKey, rollout);
        continue;
      }
      const f = flowOf(rollout, flowKey);
      const wanted = new Set([f.revision, f.previousRevision]);
      for (const a of Object.values(rollout.agents))
        wanted.add(rollout.flows ? (a.previousRevisions?.[flowKey] ?? null) : a.previousRevision);
      for (const revision of wanted) {
        if (revision === null) continue;
        const loaded = await this.load(f.namespace, f.flowId, revision);
        if (loaded) this.revisions.set(`${flowKey}@${revision}`, loaded);
      }
      this.governing.set(flowKey, rollout);
    }
  }

  /**
   * The rollout no longer decides `keys` (default: all it decides); one still going is cancelled
   * with `why`. A set keeps deciding its other flows, as it left them.
   */
  private async release(rollout: Rollout, why: string, keys = keysOf(rollout)): Promise<void> {
    for (const k of keys) {
      if (this.governing.get(k)?.id === rollout.id) this.governing.delete(k);
      for (const r of [...this.revisions.keys()]) if (r.startsWith(`${k}@`)) this.revisions.delete(r);
    }
    if (ENDED_ROLLOUT_STATUSES.includes(rollout.status)) return;
    rollout.status = 'CANCELLED';
    rollout.reason = why;
    await this.save(rollout);
  }

  private async load(
    namespace: string,
    flowId: string,
    revision: number,
  ): Promise<AssignableFlow | undefined> {
    const row = await this.options.storage.flows.getRevision(namespace, flowId, revision);
    if (!row || row.deleted) return undefined;
    return { namespace, id: flowId, revision, source: row.source, flow: parse(row.source) as Flow };
  }

  /** Evaluates every going rollout once; a failure is logged and tried again at the next tick. */
  private tick(): Promise<void> {
    return this.serial(async () => {
      for (const rollout of this.current()) {
        try {
          await this.step(rollout);
        } catch (err) {
          this.log.error({ rolloutId: rollout.id, err: String(err) }, 'rollout step failed');
        }
      }
    }).catch(() => undefined);
  }

  private async step(rollout: Rollout): Promise<void> {
    const now = Date.now();
    if (rollout.status === 'WAITING') {
      if (rollout.waitingUntil !== undefined && now >= Date.parse(rollout.waitingUntil)) {
        await this.advance(rollout);
        await this.save(rollout);
      }
      return;
    }
    if (rollout.status !== 'RUNNING') return;
    const stage = rollout.stages[rollout.stage];
    if (!stage) return;
    if (stage.startedAt === undefined) {
      await this.startStage(rollout, stage);
      return;
    }
    const { figures, outcome } = await checkStage(this.options.storage, rollout, stage, now);
    const changed = JSON.stringify(figures) !== JSON.stringify(stage.gate);
    stage.gate = figures;
    switch (outcome.kind) {
      case 'waiting':
        if (changed) await this.save(rollout);
        return;
      case 'applied':
        stage.appliedAt = new Date(now).toISOString();
        stage.state = 'OBSERVING';
        break;
      case 'passed':
        stage.state = 'PASSED';
        stage.endedAt = new Date(now).toISOString();
        await this.passed(rollout, now);
        break;
      case 'failed':
        stage.state = 'FAILED';
        stage.endedAt = new Date(now).toISOString();
        rollout.status = 'FAILED';
        rollout.reason = `${stage.name}: ${outcome.reason}`;
        rollout.failedAgents = outcome.agents.map((a) => a.id);
        for (const a of outcome.agents) {
          const entry = rollout.agents[a.id];
          if (entry) Object.assign(entry, { state: 'failed', reason: a.reason });
        }
        this.log.warn(
          { rolloutId: rollout.id, reason: rollout.reason, agents: rollout.failedAgents },
          'rollout gate failed',
        );
        if (this.resolved(rollout).onFailure === 'ROLLBACK') await this.rollBack(rollout, rollout.reason);
        break;
    }
    await this.save(rollout);
  }

  private async startStage(rollout: Rollout, stage: RolloutStage): Promise<void> {
    stage.startedAt = new Date().toISOString();
    stage.state = 'APPLYING';
    for (const id of stage.agents) {
      const entry = rollout.agents[id];
      if (entry) entry.state = 'updating';
    }
    const version = rollout.agentVersion;
    const change = rollout.labelChange;
    if (rollout.kind === 'labels' && change !== undefined) {
      // Their labels now, not when the rollout began: a rollback restores what they had just before.
      for (const id of stage.agents) {
        const entry = rollout.agents[id];
        const row = await this.options.storage.agents.get(id);
        if (entry && row) entry.previousLabels = row.labels;
      }
      await this.save(rollout);
      for (const id of stage.agents) {
        const before = rollout.agents[id]?.previousLabels;
        if (before) await this.options.setAgentLabels(id, withLabelChange(before, change));
      }
      return;
    }
    await this.save(rollout);
    if (rollout.kind === 'agentVersion' && version !== undefined)
      for (const id of stage.agents) await this.options.setAgentVersion(id, version);
    else await this.options.republish(stage.agents);
  }

  /** After a stage passed: the rollout succeeded, or waits (a duration, or an approval), or goes on. */
  private async passed(rollout: Rollout, now: number): Promise<void> {
    if (rollout.stage + 1 >= rollout.stages.length) {
      rollout.status = 'SUCCEEDED';
      this.log.info({ rolloutId: rollout.id }, 'rollout succeeded');
      return;
    }
    const pause = this.resolved(rollout).pause;
    if (pause === 0) return this.advance(rollout);
    rollout.status = 'WAITING';
    if (pause !== 'APPROVAL') rollout.waitingUntil = new Date(now + pause).toISOString();
  }

  private async advance(rollout: Rollout): Promise<void> {
    rollout.stage++;
    rollout.status = 'RUNNING';
    delete rollout.waitingUntil;
    const stage = rollout.stages[rollout.stage];
    if (stage) await this.startStage(rollout, stage);
  }

  private async rollBack(rollout: Rollout, reason: string): Promise<void> {
    const touched: string[] = [];
    for (const [id, entry] of Object.entries(rollout.agents)) {
      if (rollout.stages[entry.stage]?.startedAt === undefined) continue;
      entry.state = 'rolled_back';
      touched.push(id);
    }
    rollout.status = 'ROLLED_BACK';
    rollout.reason = reason;
    delete rollout.waitingUntil;
    delete rollout.pausedFrom;
    this.log.warn({ rolloutId: rollout.id, agents: touched.length, reason }, 'rollout rolled back');
    if (rollout.kind === 'agentVersion') {
      // Set before the status says so, once: each agent's desired state keeps it (retained) until
      // it comes back online. Set again (a crash before the save), it publishes nothing new.
      for (const id of touched)
        await this.options.setAgentVersion(id, rollout.agents[id]?.previousVersion ?? null);
      await this.save(rollout);
      return;
    }
    if (rollout.kind === 'labels') {
      // As for agent versions: the labels, then the status; an agent offline gets its flows on return.
      for (const id of touched) {
        const before = rollout.agents[id]?.previousLabels;
        if (before) await this.options.setAgentLabels(id, before);
      }
      await this.save(rollout);
      return;
    }
    await this.save(rollout);
    await this.options.republish(touched);
  }

  private resolved(rollout: Rollout) {
    return resolveOptions(rollout.options as RolloutOptions);
  }

  private async save(rollout: Rollout): Promise<void> {
    rollout.updatedAt = new Date().toISOString();
    await this.options.storage.rollouts.save(rollout);
    this.options.onChange?.(rollout);
    if (this.options.events?.active) this.options.events.emit({ type: 'rollout', data: rollout });
  }

  /** Runs `task` after every change queued before it. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const next = this.chain.then(task);
    this.chain = next.catch(() => undefined);
    return next;
  }
}
