/**
 * The engine: creates executions, admits them under each flow's concurrency
 * limit, runs them, and resumes the unfinished ones after a restart. It does
 * no I/O of its own; storage, clock and logger are ports.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Registry } from '../../plugins/registry.js';
import { durationMs } from '../../protocol/duration.js';
import { TaskError, TernError } from '../../protocol/errors.js';
import type { Execution, LogLine, TaskRun } from '../../protocol/execution.js';
import { labelMap } from '../../protocol/flow.js';
import { newId } from '../../protocol/ids.js';
import { capLogLine, MAX_LOG_LINE_BYTES } from '../../protocol/log-cap.js';
import { type Logger, silentLogger } from '../../protocol/logger.js';
import type { SubflowRequest, SubflowResult } from '../../protocol/plugin.js';
import { isFailure, isTerminal, type State } from '../../protocol/states.js';
import { Renderer } from '../expr/index.js';
import type { Abort } from './abort.js';
import type { EngineCore } from './engine-core.js';
import { messageOf } from './errors.js';
import { ExecutionRun } from './execution-run.js';
import { resolveInputs } from './inputs.js';
import { RuntimeHost } from './plugin-host.js';
import {
  type Clock,
  type ExecutionStore,
  type FlowRecord,
  type FlowSource,
  type SecretSource,
  systemClock,
} from './ports.js';
import { NO_PROCESS_VARIABLES, type ProcessVariables } from './process-variables.js';
import { planReplay, planRestart } from './restart.js';
import { resumeInputs } from './resume.js';
import { type ReviewRequest, reviewTarget } from './review.js';
import { lostSecretInputs, splitSecretInputs } from './secret-inputs.js';

export interface EngineOptions {
  store: ExecutionStore;
  registry: Registry;
  flows: FlowSource;
  clock?: Clock;
  logger?: Logger;
  renderer?: Renderer;
  secrets?: SecretSource;
  agent?: { id: string; labels: Record<string, string> } | null;
  workRoot?: string;
  killGraceMs?: number;
  /** Shared resources and default endpoints for plugins; the caller closes it. Default: one of its own. */
  host?: RuntimeHost;
  /** Longest log message kept whole, in UTF-8 bytes (default 64 KiB); longer ones are cut and marked. */
  maxLogLineBytes?: number;
  /** `envs` and `globals` for every execution (default: none). */
  variables?: ProcessVariables;
}

export interface StartOptions {
  inputs?: Record<string, unknown>;
  labels?: Record<string, string>;
  trigger?: Record<string, unknown> | null;
  parentExecutionId?: string;
  /** Set for a replay or a retry: the execution this one replays or retries. */
  originalId?: string;
  /** For a retry in a new execution: which attempt it is (from 1). */
  attemptNumber?: number;
  /** Use this id instead of a new one (a hub command names the execution it asks for). */
  executionId?: string;
  /** Kestra's `scheduleDate`: the execution is stored CREATED and starts running at that time (ISO-8601). */
  scheduleDate?: string;
  /** Called once the execution has ended, whatever its state (before `wait` resolves). */
  onEnd?: (execution: Execution) => void;
  /**
   * Secret values the inputs and labels may hold (those a parent execution
   * or a trigger read): masked wherever they occur in what the execution
   * stores, shows and logs, while its tasks read the inputs as they are.
   */
  secrets?: readonly string[];
}

/** Receives every change as it happens (live views, sync outbox). */
export interface EngineListener {
  execution?(execution: Execution): void;
  taskRun?(taskRun: TaskRun, execution: Execution): void;
  log?(line: LogLine): void;
}

interface Active {
  run: ExecutionRun;
  done: Promise<Execution>;
  resolve(e: Execution): void;
}

const UNFINISHED: readonly State[] = ['CREATED', 'QUEUED', 'RUNNING', 'PAUSED', 'RETRYING', 'KILLING'];

export class Engine implements EngineCore {
  readonly store: ExecutionStore;
  readonly registry: Registry;
  readonly renderer: Renderer;
  readonly clock: Clock;
  readonly secrets: SecretSource;
  readonly agent: { id: string; labels: Record<string, string> } | null;
  readonly workRoot: string;
  readonly killGraceMs: number;
  readonly host: RuntimeHost;
  readonly variables: ProcessVariables;
  private readonly flows: FlowSource;
  private readonly logger: Logger;
  private readonly maxLogLineBytes: number;
  private readonly listeners = new Set<EngineListener>();
  private readonly active = new Map<string, Active>();
  private readonly running = new Map<string, number>();
  private readonly queues = new Map<string, ExecutionRun[]>();
  /** Executions paused and already told to the plugin host, until they move on. */
  private readonly toldPaused = new Set<string>();
  private lastMs = -1;
  private lastIso = '';
  /** The second of `lastIso`, and its text up to the milliseconds ('2026-12-04T23:03:29.'). */
  private lastSecond = Number.NaN;
  private secondPrefix = '';

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.registry = options.registry;
    this.flows = options.flows;
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger).child({ component: 'engine' });
    this.renderer = options.renderer ?? new Renderer();
    this.secrets = options.secrets ?? { get: () => undefined };
    this.agent = options.agent ?? null;
    this.workRoot = options.workRoot ?? join(tmpdir(), 'tern-work');
    this.killGraceMs = options.killGraceMs ?? 5000;
    this.host = options.host ?? new RuntimeHost();
    this.maxLogLineBytes = options.maxLogLineBytes ?? MAX_LOG_LINE_BYTES;
    this.variables = options.variables ?? NO_PROCESS_VARIABLES;
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  on(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Creates an execution and starts it (or queues it under the flow's
   * concurrency limit). Throws InputValidationError, before anything is
   * stored, when the inputs are invalid.
   */
  async start(record: FlowRecord, options: StartOptions = {}): Promise<Execution> {
    const { flow } = record;
    if (flow.disabled) throw new TernError('CONFLICT', `flow ${flow.namespace}.${flow.id} is disabled`);
    const id = options.executionId ?? newId();
    // Kestra's correlation id: a subflow's execution carries its parent's (passed in its labels), others their own id.
    const labels = { ...labelMap(flow.labels), ...options.labels };
    labels[CORRELATION_ID] ??= id;
    const base = { flow: { id: flow.id, namespace: flow.namespace, revision: record.revision }, labels };
    const inputs = resolveInputs(flow.inputs, options.inputs ?? {}, (v) => this.renderer.render(v, base));
    const split = splitSecretInputs(flow.inputs, inputs, options.secrets ?? []);
    const execution: Execution = {
      id,
      namespace: flow.namespace,
      flowId: flow.id,
      flowRevision: record.revision,
      state: 'CREATED',
      inputs: split.stored,
      ...(split.masked.length > 0 && { secretInputs: split.masked }),
      outputs: {},
      labels: split.mask.value(labels),
      trigger: options.trigger ?? null,
      originalId: options.originalId ?? id,
      ...(options.attemptNumber !== undefined && { attemptNumber: options.attemptNumber }),
      parentExecutionId: options.parentExecutionId ?? null,
      agentId: this.agent?.id ?? null,
      startDate: this.nowIso(),
      ...(options.scheduleDate !== undefined && { scheduleDate: options.scheduleDate }),
      stage: 'tasks',
    };
    this.saveExecution(execution);
    this.admit(new ExecutionRun(this, execution, record, [], { inputs, secrets: split.mask }), options.onEnd);
    return execution;
  }

  /** Starts an execution and waits for its end. */
  async run(record: FlowRecord, options: StartOptions = {}): Promise<Execution> {
    const e = await this.start(record, options);
    return this.wait(e.id);
  }

  /** Resolves with the execution once it has ended. */
  async wait(executionId: string): Promise<Execution> {
    const active = this.active.get(executionId);
    if (active) return active.done;
    const stored = await this.store.getExecution(executionId);
    if (!stored) throw new TernError('NOT_FOUND', `execution ${executionId} not found`);
    return stored.execution;
  }

  kill(executionId: string): boolean {
    const active = this.active.get(executionId);
    if (!active) return false;
    const e = active.run.execution;
    if (e.state === 'QUEUED') {
      this.removeFromQueue(active.run);
      this.finishQueued(active, 'KILLED');
    } else active.run.kill();
    return true;
  }

  /**
   * Resumes a paused execution run by this engine, with inputs for its paused
   * tasks' `onResume` (InputValidationError when they do not fit). False when
   * the execution is not running here; CONFLICT when it is not paused.
   */
  resume(executionId: string, inputs: Record<string, unknown> = {}): boolean {
    const active = this.active.get(executionId);
    if (!active) return false;
    const { run } = active;
    const paused = run.pausedTaskIds();
    if (paused.length === 0)
      throw new TernError(
        'CONFLICT',
        `execution ${executionId} is not paused (state ${run.execution.state})`,
      );
    run.resume(resumeInputs(run.flow, paused, inputs));
    return true;
  }

  /**
   * Approves or denies a paused approval of an execution run by this engine
   * (Kestra's review); the other paused tasks stay paused. False when the
   * execution is not running here; CONFLICT when no such approval is paused;
   * InputValidationError when the comment is missing or the inputs do not fit.
   */
  review(executionId: string, request: ReviewRequest): boolean {
    const active = this.active.get(executionId);
    if (!active) return false;
    const { run } = active;
    const target = reviewTarget(run.flow, this.registry, run.pausedTaskRuns(), request, this.nowIso());
    run.review(target.taskRunId, target.review, target.inputs);
    return true;
  }

  /**
   * Runs an ended, failed execution again in place: its failed task runs get
   * new attempts, what succeeded is kept, `errors` and `finally` run afresh.
   */
  async restart(executionId: string): Promise<Execution> {
    if (this.active.has(executionId))
      throw new TernError('CONFLICT', `execution ${executionId} is still running`);
    const stored = await this.store.getExecution(executionId);
    if (!stored) throw new TernError('NOT_FOUND', `execution ${executionId} not found`);
    const { execution, taskRuns } = stored;
    const lost = lostSecretInputs(execution);
    if (lost) throw new TernError('CONFLICT', `execution ${executionId} cannot be restarted: ${lost}`);
    if (!isFailure(execution.state)) {
      throw new TernError(
        'CONFLICT',
        `execution ${executionId} is ${execution.state}: only a failed or killed execution can be restarted`,
      );
    }
    const record = await this.flows.getFlow(execution.namespace, execution.flowId, execution.flowRevision);
    if (!record)
      throw new TernError(
        'NOT_FOUND',
        `flow ${execution.namespace}.${execution.flowId} revision ${execution.flowRevision} not found`,
      );
    const plan = planRestart(record.flow, taskRuns);
    this.store.deleteTaskRuns(plan.drop);
    for (const tr of plan.keep) this.saveTaskRun(tr, execution);
    Object.assign(execution, {
      state: 'CREATED',
      stage: 'tasks',
      outputs: {},
      endDate: undefined,
      error: undefined,
    });
    this.saveExecution(execution);
    this.logger.info({ executionId }, 'execution restarted');
    this.admit(new ExecutionRun(this, execution, record, plan.keep));
    return execution;
  }

  /**
   * A new execution of the same flow revision, inputs and labels, recording
   * the original's id; task runs before `fromTaskId` are carried over.
   */
  async replay(executionId: string, fromTaskId?: string): Promise<Execution> {
    const stored = await this.store.getExecution(executionId);
    if (!stored) throw new TernError('NOT_FOUND', `execution ${executionId} not found`);
    const source = stored.execution;
    if (!isTerminal(source.state)) throw new TernError('CONFLICT', `execution ${executionId} has not ended`);
    const lost = lostSecretInputs(source);
    if (lost) throw new TernError('CONFLICT', `execution ${executionId} cannot be replayed: ${lost}`);
    const record = await this.flows.getFlow(source.namespace, source.flowId, source.flowRevision);
    if (!record)
      throw new TernError(
        'NOT_FOUND',
        `flow ${source.namespace}.${source.flowId} revision ${source.flowRevision} not found`,
      );
    const id = newId();
    let copied: TaskRun[];
    try {
      copied = planReplay(record.flow, source, stored.taskRuns, fromTaskId, id);
    } catch (err) {
      throw new TernError('BAD_REQUEST', messageOf(err));
    }
    const execution: Execution = {
      ...source,
      id,
      state: 'CREATED',
      outputs: {},
      originalId: source.id,
      startDate: this.nowIso(),
      endDate: undefined,
      error: undefined,
      stage: 'tasks',
      variables: undefined,
      agentId: this.agent?.id ?? null,
    };
    this.saveExecution(execution);
    for (const tr of copied) this.saveTaskRun(tr, execution);
    this.admit(new ExecutionRun(this, execution, record, copied));
    return execution;
  }

  /** Executions currently admitted (running, paused or queued). */
  get activeCount(): number {
    return this.active.size;
  }

  /** Executions of one flow admitted now (running, paused or queued). */
  activeOf(namespace: string, flowId: string): number {
    let n = 0;
    for (const { run } of this.active.values())
      if (run.execution.flowId === flowId && run.execution.namespace === namespace) n++;
    return n;
  }

  /** Resolves once no execution of the flow is admitted. */
  async flowIdle(namespace: string, flowId: string): Promise<void> {
    for (;;) {
      const pending = [...this.active.values()].filter(
        ({ run }) => run.execution.flowId === flowId && run.execution.namespace === namespace,
      );
      if (pending.length === 0) return;
      await Promise.all(pending.map((a) => a.done));
    }
  }

  /** Resolves when nothing is admitted any more. */
  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.all([...this.active.values()].map((a) => a.done));
  }

  /**
   * Finds executions a previous process left unfinished and resumes them
   * (tasks interrupted mid-attempt count as failed attempts and follow their
   * retry policy). Executions whose flow is unknown fail. `accept` limits
   * which executions this process takes over.
   */
  async recover(accept: (e: Execution) => boolean = () => true): Promise<Execution[]> {
    const pending = await this.store.listExecutionsByState(UNFINISHED);
    const resumed: Execution[] = [];
    // Admitted together once all are read: a parent waiting for a subflow finds it running, not as stored.
    const runs: ExecutionRun[] = [];
    for (const e of pending) {
      if (this.active.has(e.id) || !accept(e)) continue;
      const stored = await this.store.getExecution(e.id);
      if (!stored) continue;
      const record = await this.flows.getFlow(e.namespace, e.flowId, e.flowRevision);
      const lost = lostSecretInputs(stored.execution);
      const run =
        record && !lost ? new ExecutionRun(this, stored.execution, record, stored.taskRuns) : undefined;
      this.logger.info({ executionId: e.id, state: e.state }, 'recovering execution');
      if (!run) {
        Object.assign(stored.execution, {
          state: 'FAILED',
          endDate: this.nowIso(),
          error: lost
            ? `cannot be resumed after a restart: ${lost}`
            : `flow ${e.namespace}.${e.flowId} revision ${e.flowRevision} is no longer known`,
        });
        this.saveExecution(stored.execution);
        continue;
      }
      runs.push(run);
      resumed.push(run.execution);
    }
    for (const run of runs) this.admit(run);
    return resumed;
  }

  // ----- EngineCore -----

  durationMs(text: string): number {
    return durationMs(text);
  }

  nowIso(): string {
    const ms = Math.floor(this.clock.now());
    if (ms !== this.lastMs) {
      // Several times per execution: only the milliseconds change from one call to the next.
      const second = Math.floor(ms / 1000) * 1000;
      if (second !== this.lastSecond) {
        this.lastSecond = second;
        this.secondPrefix = new Date(second).toISOString().slice(0, -4);
      }
      this.lastMs = ms;
      this.lastIso = `${this.secondPrefix}${String(ms - second).padStart(3, '0')}Z`;
    }
    return this.lastIso;
  }

  /**
   * Tells the plugin host of an execution that has just ended or paused, once
   * per transition: an execution is saved many times in the same state.
   */
  private tellEndOrPause(execution: Execution): void {
    const { id, state } = execution;
    if (state !== 'PAUSED' && !isTerminal(state)) {
      this.toldPaused.delete(id);
      return;
    }
    if (state === 'PAUSED') {
      if (this.toldPaused.has(id)) return;
      this.toldPaused.add(id);
    } else this.toldPaused.delete(id);
    this.host.executionEndedOrPaused(execution);
  }

  saveExecution(execution: Execution): void {
    this.store.saveExecution(execution);
    for (const l of this.listeners) l.execution?.(execution);
    this.tellEndOrPause(execution);
  }

  saveTaskRun(taskRun: TaskRun, execution: Execution): void {
    this.store.saveTaskRun(taskRun);
    for (const l of this.listeners) l.taskRun?.(taskRun, execution);
  }

  log(line: LogLine): void {
    // One line is one stored row and one synced record: a runaway message must not make either huge.
    const capped = capLogLine(line, this.maxLogLineBytes);
    this.store.appendLog(capped);
    for (const l of this.listeners) l.log?.(capped);
  }

  retryInNewExecution(run: ExecutionRun, delayMs: number): void {
    const e = run.execution;
    this.clock.setTimeout(
      () => {
        this.start(run.record, {
          inputs: run.liveInputs,
          labels: e.labels,
          trigger: e.trigger,
          originalId: e.originalId,
          attemptNumber: (e.attemptNumber ?? 1) + 1,
          ...(e.parentExecutionId ? { parentExecutionId: e.parentExecutionId } : {}),
          secrets: run.secrets.within({ inputs: run.liveInputs, labels: e.labels }),
        }).catch((err: unknown) =>
          this.logger.error(
            { executionId: e.id, err: messageOf(err) },
            'the retry in a new execution could not start',
          ),
        );
      },
      Math.max(0, delayMs),
    );
  }

  async runSubflow(
    parent: ExecutionRun,
    tr: TaskRun,
    request: SubflowRequest,
    abort: Abort,
  ): Promise<SubflowResult> {
    let childId = startedSubflow(tr, request.key);
    if (childId) childId = await this.againIfFailed(tr, childId, request);
    if (!childId) {
      const record = await this.flows.getFlow(request.namespace, request.flowId, request.revision);
      if (!record) throw new TaskError(`subflow ${request.namespace}.${request.flowId} not found`, false);
      const child = await this.start(record, {
        inputs: request.inputs,
        labels: {
          ...(request.inheritLabels && inheritedLabels(parent.execution.labels)),
          ...request.labels,
          [CORRELATION_ID]: parent.execution.labels[CORRELATION_ID] ?? parent.execution.id,
        },
        // The child stores what it is given: the parent's secrets in it are masked there too, and still used.
        secrets: parent.secrets.within({ inputs: request.inputs, labels: request.labels }),
        parentExecutionId: parent.execution.id,
        ...(request.scheduleDate !== undefined && { scheduleDate: request.scheduleDate }),
        trigger: {
          executionId: parent.execution.id,
          namespace: parent.execution.namespace,
          flowId: parent.execution.flowId,
        },
      });
      childId = child.id;
      // Remembered before waiting, so a restart waits for this child instead of starting another.
      tr.outputs =
        request.key === undefined
          ? { executionId: childId }
          : { ...tr.outputs, executions: { ...keyedSubflows(tr), [request.key]: childId } };
      this.saveTaskRun(tr, parent.execution);
      if (request.wait === false) return { executionId: childId, state: child.state, outputs: {} };
    }
    const id = childId;
    const unlink = abort.onAbort(() => this.kill(id));
    try {
      // Taken before it ends: an ended run leaves `active`, and its outputs are what `outputs` reads.
      const running = this.active.get(id)?.run;
      const done = await this.wait(id);
      const result = { executionId: id, state: done.state, outputs: done.outputs };
      if (!request.outputs || request.wait === false) return result;
      const child = running ?? (await this.endedRun(done));
      if (!child || child.flow.outputs?.length) return result;
      try {
        return { ...result, outputs: child.renderInScope(request.outputs) };
      } catch (err) {
        const kept = { executionId: id, state: done.state };
        throw new TaskError(`subflow outputs: ${messageOf(err)}`, false, { details: { outputs: kept } });
      }
    } finally {
      unlink();
    }
  }

  /**
   * A subflow execution that failed before the task run's current attempt
   * began (a restart of the parent, a retry of its task) runs again: in place
   * with RETRY_FAILED, or as a new one (undefined) with NEW_EXECUTION. One
   * still running, or that ended during this attempt (a restart picked the
   * attempt up), is taken as it is.
   */
  private async againIfFailed(
    tr: TaskRun,
    childId: string,
    request: SubflowRequest,
  ): Promise<string | undefined> {
    if (this.active.has(childId)) return childId;
    await this.store.flush();
    const child = (await this.store.getExecution(childId))?.execution;
    if (!child || !isFailure(child.state)) return childId;
    const attemptStart = Date.parse(tr.attempts.at(-1)?.startDate ?? '');
    if (!(attemptStart >= Date.parse(child.endDate ?? ''))) return childId;
    if (request.restartBehavior === 'NEW_EXECUTION') return undefined;
    await this.restart(childId);
    return childId;
  }

  /** An ended execution's run rebuilt from the store, to render in its scope; undefined when its flow is gone. */
  private async endedRun(e: Execution): Promise<ExecutionRun | undefined> {
    await this.store.flush();
    const stored = await this.store.getExecution(e.id);
    const record = await this.flows.getFlow(e.namespace, e.flowId, e.flowRevision);
    return stored && record ? new ExecutionRun(this, stored.execution, record, stored.taskRuns) : undefined;
  }

  // ----- admission -----

  private admit(run: ExecutionRun, onEnd?: (e: Execution) => void): void {
    let settle!: (e: Execution) => void;
    const done = new Promise<Execution>((r) => {
      settle = r;
    });
    const resolve = onEnd
      ? (e: Execution) => {
          onEnd(e);
          settle(e);
        }
      : settle;
    const active: Active = { run, done, resolve };
    this.active.set(run.execution.id, active);
    const limit = run.flow.concurrency;
    const key = flowKey(run.execution);
    if (limit && (this.running.get(key) ?? 0) >= limit.limit) {
      const behavior = limit.behavior ?? 'QUEUE';
      if (behavior === 'QUEUE') {
        Object.assign(run.execution, { state: 'QUEUED' });
        this.saveExecution(run.execution);
        const q = this.queues.get(key) ?? [];
        q.push(run);
        this.queues.set(key, q);
      } else this.finishQueued(active, behavior === 'CANCEL' ? 'CANCELLED' : 'FAILED');
      return;
    }
    this.launch(active);
  }

  private launch(active: Active): void {
    const { run } = active;
    const key = flowKey(run.execution);
    this.running.set(key, (this.running.get(key) ?? 0) + 1);
    run
      .run()
      .catch((err: unknown) => {
        this.logger.error({ executionId: run.execution.id, err: messageOf(err) }, 'execution crashed');
        Object.assign(run.execution, {
          state: 'FAILED',
          error: messageOf(err),
          endDate: this.nowIso(),
        });
        this.saveExecution(run.execution);
        return run.execution;
      })
      .then((e) => {
        this.running.set(key, (this.running.get(key) ?? 1) - 1);
        this.active.delete(e.id);
        active.resolve(e);
        const next = this.queues.get(key)?.shift();
        if (next) {
          const queued = this.active.get(next.execution.id);
          if (queued) this.launch(queued);
        }
      });
  }

  private finishQueued(active: Active, state: State): void {
    const e = active.run.execution;
    Object.assign(e, { state, endDate: this.nowIso(), stage: 'done' });
    if (state === 'FAILED' || state === 'CANCELLED') e.error = 'flow concurrency limit reached';
    this.saveExecution(e);
    this.active.delete(e.id);
    active.resolve(e);
  }

  private removeFromQueue(run: ExecutionRun): void {
    const q = this.queues.get(flowKey(run.execution));
    const i = q?.indexOf(run) ?? -1;
    if (q && i >= 0) q.splice(i, 1);
  }
}

/** The label naming the first execution of a chain of subflows, as in Kestra. */
const CORRELATION_ID = 'system.correlationId';

/** The labels a subflow inherits: the parent's own, not the system ones Kestra sets per execution. */
function inheritedLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([key]) => !key.startsWith('system.')));
}

function flowKey(e: Execution): string {
  return `${e.namespace}/${e.flowId}`;
}

/** Subflows a task run started under keys (`SubflowRequest.key`): key → execution id. */
function keyedSubflows(tr: TaskRun): Record<string, string> {
  const executions = tr.outputs.executions;
  return typeof executions === 'object' && executions !== null ? (executions as Record<string, string>) : {};
}

/** The execution a task run already started for `key` (or its only subflow, without one). */
function startedSubflow(tr: TaskRun, key: string | undefined): string | undefined {
  const id = key === undefined ? tr.outputs.executionId : keyedSubflows(tr)[key];
  return typeof id === 'string' ? id : undefined;
}
