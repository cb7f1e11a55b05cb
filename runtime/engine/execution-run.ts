/**
 * Runs one execution by walking its flow's task tree. Every task run is keyed
 * by its place in the tree, so walking again after a restart skips what has
 * ended and picks up what had not: resume is the same code path as run.
 */
import { join, normalize, sep } from 'node:path';
import type { ErrorObject } from 'ajv';
import { singleConditionTest } from '../../plugins/flow/dependencies.js';
import { forEachLimit } from '../../protocol/concurrency.js';
import { TaskError } from '../../protocol/errors.js';
import type { Attempt, Execution, LogLine, TaskRun } from '../../protocol/execution.js';
import { EXPRESSION_CONDITION_TYPES, type Task } from '../../protocol/flow.js';
import { newId } from '../../protocol/ids.js';
import {
  type AnyTaskDefinition,
  type ExecutionControl,
  type ExitState,
  type IterationResult,
  type KvStore,
  type LoopIteration,
  OUTPUT_DIR,
  type PauseOutcome,
  type Review,
  type RunTasksOptions,
} from '../../protocol/plugin.js';
import { isFailure, isTerminal, mergeStates, type State } from '../../protocol/states.js';
import { isTruthy, mapTexts } from '../../protocol/values.js';
import {
  type Deadline,
  type ExpressionFunctions,
  ITERATION_PATH,
  type RenderBounds,
  TASK_LINEAGE,
  type TaskLineage,
} from '../expr/index.js';
import { explainSchemaErrors, NO_TYPES } from '../flow-schema.js';
import { type PropsCheck, renderedPropsCheck } from '../templated-props.js';
import { Abort } from './abort.js';
import type { EngineCore } from './engine-core.js';
import { ErrorLines } from './error-logs.js';
import { InterruptedError, KilledError, messageOf, TimeoutError } from './errors.js';
import { eventLoopTurn } from './event-loop.js';
import { expressionFiles } from './expression-files.js';
import { typedOutputs } from './inputs.js';
import { iterationOutputs, type LoopFrame, loopFrame } from './loop-scope.js';
import { applyPluginDefaults } from './plugin-defaults.js';
import type { FlowRecord } from './ports.js';
import { compileRetry, type RetryPolicy } from './retry.js';
import { MASK, SecretMask } from './secret-mask.js';
import { firstMaxDuration, type SlaBreach, slaBreach } from './sla.js';
import { createTaskContext, type EngineTaskContext } from './task-context.js';
import { taskTypesById } from './task-types.js';

/** Where in the tree a task list runs: its parent, enclosing foreach values, and what stops it. */
export interface Scope {
  parent: TaskRun | null;
  /** The enclosing task runs, nearest first: `parent` and its own ancestors (Kestra's `parents`). */
  ancestors: readonly TaskRun[];
  valuePath: string[];
  value: string | null;
  iteration: number | null;
  abort: Abort;
  /** When the enclosing flow or flowable times out: renders stop there, since they cannot hear the timer. */
  deadline?: Deadline;
  /** The folder an enclosing `workingDirectory` shares with its tasks. */
  workingDir?: string;
  /** The enclosing Loop iterations, outermost first. */
  loops?: readonly LoopFrame[];
}

/** The variables every expression of an execution sees. */
type BaseVariables = {
  flow: { id: string; namespace: string; revision: number };
  execution: {
    id: string;
    startDate: string;
    originalId: string;
    readonly state: State;
    readonly outputs: Record<string, unknown>;
  };
  inputs: Record<string, unknown>;
  labels: Record<string, string>;
  trigger: Record<string, unknown> | undefined;
  agent: EngineCore['agent'];
  envs: Record<string, string>;
  globals: Record<string, unknown>;
};

/** {@link OUTPUT_DIR} with this platform's separators, as `join` gives it. */
const OUTPUT_SUBDIR = normalize(OUTPUT_DIR);

/** Keys of a task that are engine business, never handed to the renderer. */
const ENGINE_KEYS = new Set([
  'id',
  'type',
  'retry',
  'runIf',
  'when',
  'disabled',
  'allowFailure',
  'allowWarning',
  'logToFile',
  'description',
  'errors',
  'finally',
]);

/**
 * Each task's properties split once: those the engine or the plugin takes as
 * written (children included), and those rendered for every attempt.
 */
const SPLIT_PROPS = new WeakMap<
  Task,
  { kept: Record<string, unknown>; rendered: Record<string, unknown>; check: PropsCheck | undefined }
>();

/** Why rendered properties do not fit their schema, as one line naming each property. */
function renderedPropsProblem(errors: readonly ErrorObject[], rendered: Record<string, unknown>): string {
  const issues = explainSchemaErrors(errors, rendered, NO_TYPES).map((issue) => {
    const value = issue.path.reduce<unknown>(
      (node, key) => (node as Record<string | number, unknown> | undefined)?.[key],
      rendered,
    );
    const shown = typeof value === 'string' ? ` (rendered '${value.slice(0, 60)}')` : '';
    return `${issue.path.join('.')}: ${issue.message}${issue.message.includes('(got') ? '' : shown}`;
  });
  return `a property does not fit once rendered: ${issues.join('; ')}`;
}

/**
 * Each task of a flow with `pluginDefaults`, merged with them once: the same
 * object every run, so that its properties are split once too.
 */
const WITH_DEFAULTS = new WeakMap<Task, Task>();

type Outcome =
  | { ok: true; state: State; outputs: Record<string, unknown> }
  | { ok: false; error: string; retryable: boolean; killed: boolean; outputs?: Record<string, unknown> };

export class ExecutionRun {
  readonly execution: Execution;
  readonly record: FlowRecord;
  /** Secret values this run has read or was given: masked out of its logs, errors and outputs. */
  readonly secrets: SecretMask;
  /** Aborted by kill: stops everything, including `errors` and `finally`. */
  private readonly killAbort = new Abort();
  /** Aborted by kill or flow timeout: stops the main task list. The kill abort itself without a flow timeout. */
  private readonly mainAbort: Abort;
  private readonly runs = new Map<string, TaskRun>();
  private readonly outputs: Record<string, unknown> = {};
  /** Outputs that held a secret, as the task gave them (stored masked); after a restart only the masked copy is left. */
  private readonly liveOutputs = new Map<string, Record<string, unknown>>();
  private readonly resumeWaiters = new Set<{
    taskId: string;
    taskRunId: string;
    wake(outcome: PauseOutcome): void;
  }>();
  /** A resume asked for before the pause was reached again (after a restart). */
  private pendingResume: Record<string, unknown> | undefined;
  /** Attempts in flight, each with what to do when it is aborted (see {@link raceAbort}). */
  private readonly inflight = new Set<{ abort: Abort; aborted(): void }>();
  private pausedCount = 0;
  /** Set when a failed task asks for a new execution (`retry.behavior: CREATE_NEW_EXECUTION`): the delay before it. */
  private retryDelayMs: number | undefined;
  /** With that new execution: the policy's `maxDuration`, counted from the first execution's start. */
  private retryMaxDurationMs: number | undefined;
  /** The first SLA breach that fails or cancels the execution. */
  private breach: SlaBreach | undefined;
  /** Set when a task cancelled the execution (a Pause with `behavior: CANCEL` that ran out its time). */
  private cancelled = false;
  private errorInfo: { taskId: string; message: string } | undefined;
  private fns: ExpressionFunctions | undefined;
  /** The ERROR lines this execution logged, for `errorLogs()`; read back from the store when a restart resumes it. */
  private readonly errorLines = new ErrorLines();
  /** Set when the run was rebuilt from stored task runs: its earlier ERROR lines are in the store only. */
  private readonly resumed: boolean;
  /** The inputs as the tasks read them, secrets included; the execution keeps them masked. */
  private readonly inputs: Record<string, unknown>;
  private kvView: KvStore | undefined;
  /** The flow's variables as rendered, secrets included; the execution keeps them masked. */
  private vars: Record<string, unknown> | undefined;
  /** When the flow's timeout aborts the main task list, if it has one. */
  private flowDeadline: Deadline | undefined;
  /** Set once the first task has been looked at: from then on tasks give the event loop its turns. */
  private ranTask = false;
  /** Set by `execution.exit`: the state the execution ends in; no task starts after it. */
  private exitInfo: { state: ExitState; taskId: string } | undefined;

  /**
   * @param live a new execution's inputs as given, secrets unmasked (the
   *   stored execution has them masked), and the mask of the secrets it was
   *   given. Without it, the run reads the stored inputs.
   */
  constructor(
    private readonly core: EngineCore,
    execution: Execution,
    record: FlowRecord,
    taskRuns: readonly TaskRun[] = [],
    live?: { inputs: Record<string, unknown>; secrets: SecretMask },
  ) {
    this.execution = execution;
    this.record = record;
    this.inputs = live?.inputs ?? execution.inputs;
    this.secrets = live?.secrets ?? new SecretMask();
    // Executions stored before SECRET inputs were masked still hold their values.
    for (const input of record.flow.inputs ?? []) {
      const value = execution.inputs[input.id];
      if (input.type === 'SECRET' && typeof value === 'string' && value !== MASK) this.secrets.add(value);
    }
    this.resumed = taskRuns.length > 0;
    for (const tr of taskRuns) {
      this.runs.set(runKey(tr.parentTaskRunId, tr.taskId, tr.iteration), tr);
      if (isTerminal(tr.state) && Object.keys(tr.outputs).length > 0) this.setOutputs(tr);
    }
    const bounded = record.flow.timeout || record.flow.sla?.some((s) => s.type === 'MAX_DURATION');
    this.mainAbort = bounded ? this.killAbort.child().abort : this.killAbort;
  }

  get flow() {
    return this.record.flow;
  }

  /** The inputs as the tasks read them, secrets included (a retry in a new execution takes them). */
  get liveInputs(): Record<string, unknown> {
    return this.inputs;
  }

  /**
   * The expression functions of this execution: `secret()` reads the flow's namespace and remembers the value
   * to mask it; `files` reads the namespace's files and internal storage.
   */
  functions(): ExpressionFunctions {
    if (this.fns) return this.fns;
    const { store } = this.core;
    const { namespace } = this.execution;
    let files: ExpressionFunctions['files'];
    this.fns = {
      secret: (name) => this.secret(name),
      kv: (key, ns) => this.kv.get(ns ?? namespace, key),
      // Made when first read: most executions read no file.
      get files() {
        files ??= expressionFiles(store.files, store.namespaceFiles, namespace);
        return files;
      },
      errorLogs: () => this.errorLines.entries(this.execution),
      iterationOutputs: (taskId, outer, iteration) => this.iterationOutputs(taskId, outer, iteration),
    };
    return this.fns;
  }

  /**
   * The KV store as this execution sees it (`kv()` and tasks' `ctx.kv`): a
   * value read back that holds a secret of the reader's namespace, or of the
   * key's, is masked from then on in what the execution logs and stores.
   */
  get kv(): KvStore {
    if (!this.kvView) {
      const { store, secrets } = this.core;
      this.kvView = {
        get: (namespace, key) => {
          const value = store.kv.get(namespace, key);
          if (value !== undefined && secrets.visibleValues) {
            this.secrets.learnFrom(value, secrets.visibleValues(this.execution.namespace));
            if (namespace !== this.execution.namespace)
              this.secrets.learnFrom(value, secrets.visibleValues(namespace));
          }
          return value;
        },
        set: (namespace, key, value, ttlMs) => store.kv.set(namespace, key, value, ttlMs),
        delete: (namespace, key) => store.kv.delete(namespace, key),
      };
    }
    return this.kvView;
  }

  /** A secret for this execution's namespace, remembered to be masked. */
  secret(name: string): string | undefined {
    const value = this.core.secrets.get(name, this.execution.namespace);
    if (value !== undefined) this.secrets.add(value);
    return value;
  }

  kill(): void {
    if (this.killAbort.aborted) return;
    this.updateExecution({ state: 'KILLING' });
    this.killAbort.abort(new KilledError());
    this.abortedAttempts();
  }

  /**
   * Resumes the paused tasks with `onResume` inputs already validated; a
   * pause not reached yet (an execution being recovered) takes them when it is.
   */
  resume(inputs: Record<string, unknown> = {}): void {
    if (this.resumeWaiters.size === 0) {
      this.pendingResume = inputs;
      // Kept on the paused task runs as well: a resume asked for before they are reached survives another restart.
      for (const tr of this.runs.values()) {
        if (tr.state !== 'PAUSED') continue;
        tr.outputs = { ...tr.outputs, [RESUMED_WITH]: this.secrets.value(inputs) };
        this.core.saveTaskRun(tr, this.execution);
      }
      return;
    }
    for (const waiter of [...this.resumeWaiters]) waiter.wake({ resumed: true, inputs });
  }

  /**
   * Decides one paused approval (its inputs already validated); the other
   * paused tasks stay paused. An approval not reached again yet (an execution
   * being recovered) finds the decision on its task run when it is.
   */
  review(taskRunId: string, review: Review, inputs: Record<string, unknown> = {}): void {
    const waiter = [...this.resumeWaiters].find((w) => w.taskRunId === taskRunId);
    if (waiter) {
      waiter.wake({ resumed: true, inputs, review });
      return;
    }
    const tr = [...this.runs.values()].find((t) => t.id === taskRunId);
    if (!tr) return;
    tr.outputs = { ...tr.outputs, [RESUMED_WITH]: this.secrets.value(inputs), [REVIEWED]: review };
    this.core.saveTaskRun(tr, this.execution);
  }

  /** The task runs paused now, with their task ids. */
  pausedTaskRuns(): { id: string; taskId: string }[] {
    const found = new Map<string, string>();
    for (const waiter of this.resumeWaiters) found.set(waiter.taskRunId, waiter.taskId);
    for (const tr of this.runs.values()) if (tr.state === 'PAUSED') found.set(tr.id, tr.taskId);
    return [...found].map(([id, taskId]) => ({ id, taskId }));
  }

  /** The execution control handed to one task run's attempts (see {@link ExecutionControl}). */
  control(tr: TaskRun): ExecutionControl {
    const { core } = this;
    return {
      addLabels: (labels) => {
        Object.assign(this.execution.labels, this.secrets.value(labels));
        this.core.saveExecution(this.execution);
      },
      variables: () => structuredClone(this.vars ?? this.execution.variables ?? {}),
      replaceVariables: (variables) => {
        this.vars = variables;
        this.execution.variables = this.secrets.value(variables);
        this.core.saveExecution(this.execution);
      },
      exit: (state) => {
        if (state === 'KILLED') this.kill();
        else this.exitInfo ??= { state, taskId: tr.taskId };
      },
      resume: (executionId, inputs) => core.resume(executionId, inputs),
      logs: async (executionId) => {
        await core.store.flush();
        return core.store.listLogs(executionId);
      },
      purge: (request) => core.store.purgeExecutions(request),
    };
  }

  /** Ends the run in the state `execution.exit` asked for, if a task asked. */
  private exited(): Execution | undefined {
    const exit = this.exitInfo;
    if (!exit) return undefined;
    return this.finish(exit.state, `${exit.taskId}: the execution exited in state ${exit.state}`);
  }

  /**
   * Runs (or resumes) the execution to its end, then its `afterExecution`
   * tasks: as in Kestra they start once the execution has ended (its state
   * and end date set, a kill included), run in order, and leave its state as it is.
   */
  async run(): Promise<Execution> {
    const ended = await this.runToEnd();
    if (!isTerminal(ended.state)) return ended;
    const { listeners, afterExecution } = this.flow;
    if (!listeners?.length && !afterExecution?.length) return ended;
    const scope = this.rootScope(this.killAbort.aborted ? new Abort() : this.killAbort);
    // Each listener whose conditions hold runs its tasks; one that fails does not stop the next listener.
    for (const [i, listener] of (listeners ?? []).entries())
      if (this.listenerApplies(i, listener.conditions ?? []))
        await this.runList(listener.tasks as Task[], scope);
    if (afterExecution?.length) await this.runList(afterExecution as Task[], scope);
    return ended;
  }

  /** Whether a listener's conditions all hold for the ended execution; one Tern cannot test is logged and fails. */
  private listenerApplies(index: number, conditions: readonly unknown[]): boolean {
    return conditions.every((c, j) => {
      const where = `listeners[${index}].conditions[${j}]`;
      const expression =
        typeof c === 'string'
          ? c
          : (EXPRESSION_CONDITION_TYPES as readonly string[]).includes((c as { type: string }).type)
            ? (c as { expression: string }).expression
            : undefined;
      try {
        if (expression !== undefined) {
          const vars = { ...this.baseVariables(), vars: this.vars ?? {}, outputs: this.outputs };
          return isTruthy(this.core.renderer.evaluate(expression, vars, this.functions()));
        }
        const test = singleConditionTest(c as { type: string }, undefined);
        if (test) return test(this.execution);
        this.log(
          null,
          'ERROR',
          `${where}: condition type '${(c as { type: string }).type}' is not supported`,
        );
      } catch (err) {
        this.log(null, 'ERROR', `${where}: ${messageOf(err)}`);
      }
      return false;
    });
  }

  private async runToEnd(): Promise<Execution> {
    const e = this.execution;
    if (e.state === 'KILLING') return this.finish('KILLED');
    if (this.resumed) await this.readErrorLines();
    // Scheduled for later: CREATED until then (a restart waits again for the stored date); a kill ends the wait.
    if (e.state === 'CREATED' && e.scheduleDate !== undefined) {
      await this.sleepUntil(Date.parse(e.scheduleDate), this.killAbort);
      if (this.killAbort.aborted) return this.finish('KILLED');
    }
    this.updateExecution({ state: 'RUNNING' });
    const timer = this.startFlowTimeout();
    const slaTimer = this.startSlaTimer();
    try {
      // Stored variables with a masked secret are rendered again: the stored copy lost the value.
      if (e.variables === undefined && this.flow.variables === undefined) {
        // No variables to render: the same empty map a render of `{}` gives, without a render.
        this.vars = {};
        e.variables = this.vars;
      } else if (e.variables === undefined || JSON.stringify(e.variables).includes(MASK)) {
        try {
          const rendered = this.core.renderer.render(
            this.flow.variables ?? {},
            this.baseVariables(),
            this.functions(),
            { deadline: this.flowDeadline, signal: this.mainAbort },
          );
          this.vars = (rendered ?? {}) as Record<string, unknown>;
          e.variables = this.secrets.value(this.vars);
        } catch (err) {
          this.log(null, 'ERROR', `variables: ${messageOf(err)}`);
          return this.finish('FAILED', `variables: ${messageOf(err)}`);
        }
      }
      const main = await this.runList(
        this.flow.tasks as Task[],
        this.rootScope(this.mainAbort, this.flowDeadline),
      );
      if (this.killAbort.aborted) return this.finish('KILLED');
      const exitedMain = this.exited();
      if (exitedMain) return exitedMain;
      if (this.retryDelayMs !== undefined && (await this.retryWithinDuration(this.retryDelayMs))) {
        // Kestra's CREATE_NEW_EXECUTION: this execution ends RETRIED, a new one (same inputs and labels) goes on.
        const ended = this.finish('RETRIED', this.errorInfo?.message);
        this.core.retryInNewExecution(this, this.retryDelayMs);
        return ended;
      }
      let state = main;
      if (isFailure(main) && this.flow.errors?.length) {
        this.execution.stage = 'errors';
        await this.runList(this.flow.errors as Task[], this.rootScope(this.killAbort));
      }
      if (this.flow.finally?.length && !this.exitInfo) {
        this.execution.stage = 'finally';
        const fin = await this.runList(this.flow.finally as Task[], this.rootScope(this.killAbort));
        state = mergeStates([state, fin]);
      }
      if (this.killAbort.aborted) return this.finish('KILLED');
      const exitedLater = this.exited();
      if (exitedLater) return exitedLater;
      if (this.breach?.state) return this.finish(this.breach.state, this.breach.message);
      if (this.cancelled) return this.finish('CANCELLED');
      if (!isFailure(state) && this.flow.outputs?.length) {
        try {
          this.execution.outputs = this.renderFlowOutputs();
        } catch (err) {
          this.log(null, 'ERROR', `outputs: ${messageOf(err)}`);
          return this.finish('FAILED', `outputs: ${messageOf(err)}`);
        }
      }
      const asserted = this.checkAssertions();
      if (asserted?.state) return this.finish(asserted.state, asserted.message);
      return this.finish(state, this.errorInfo?.message);
    } finally {
      if (timer !== undefined) this.core.clock.clearTimeout(timer);
      if (slaTimer !== undefined) this.core.clock.clearTimeout(slaTimer);
    }
  }

  private startFlowTimeout(): unknown {
    if (!this.flow.timeout) return undefined;
    const limit = this.core.durationMs(this.flow.timeout);
    const left = Date.parse(this.execution.startDate) + limit - this.core.clock.now();
    this.flowDeadline = {
      at: Date.now() + Math.max(0, left),
      reason: `flow timed out after ${this.flow.timeout}`,
    };
    return this.core.clock.setTimeout(
      () => {
        this.mainAbort.abort(new TimeoutError(`flow timed out after ${this.flow.timeout}`));
        this.abortedAttempts();
      },
      Math.max(0, left),
    );
  }

  /** The flow's shortest MAX_DURATION SLA: on a breach, labels, and (FAIL, CANCEL) the main tasks stopped. */
  private startSlaTimer(): unknown {
    if (!this.flow.sla) return undefined;
    const first = firstMaxDuration(this.flow.sla, (t) => this.core.durationMs(t));
    if (!first) return undefined;
    const left = Date.parse(this.execution.startDate) + first.ms - this.core.clock.now();
    return this.core.clock.setTimeout(
      () => {
        const breach = this.breached(
          slaBreach(first.sla, `the execution ran longer than ${first.sla.duration}`),
        );
        if (!breach.state) return;
        this.mainAbort.abort(new TimeoutError(breach.message));
        this.abortedAttempts();
      },
      Math.max(0, left),
    );
  }

  /** EXECUTION_ASSERTION SLAs, checked once the execution has ended; the first breach that changes its state. */
  private checkAssertions(): SlaBreach | undefined {
    let decisive: SlaBreach | undefined;
    for (const sla of this.flow.sla ?? []) {
      if (sla.type !== 'EXECUTION_ASSERTION' || sla.assert === undefined) continue;
      let holds: boolean;
      let why = `${sla.assert} is false`;
      try {
        const vars = { ...this.baseVariables(), vars: this.vars ?? {}, outputs: this.outputs };
        holds = isTruthy(
          this.core.renderer.evaluate(sla.assert, vars, this.functions(), { signal: this.killAbort }),
        );
      } catch (err) {
        holds = false;
        why = messageOf(err);
      }
      if (holds) continue;
      const breach = this.breached(slaBreach(sla, why));
      decisive ??= breach.state ? breach : undefined;
    }
    return decisive;
  }

  /** Records a breach: its labels on the execution, a log line; the first one with a state decides the end. */
  private breached(breach: SlaBreach): SlaBreach {
    this.log(null, 'WARN', breach.message);
    this.updateExecution({ labels: { ...this.execution.labels, ...breach.labels } });
    if (breach.state) this.breach ??= breach;
    return breach;
  }

  private finish(state: State, error?: string): Execution {
    this.execution.stage = 'done';
    const patch: Partial<Execution> = { state, endDate: this.nowIso() };
    if (error !== undefined && (isFailure(state) || state === 'RETRIED'))
      patch.error = this.secrets.text(error);
    this.updateExecution(patch);
    return this.execution;
  }

  private updateExecution(patch: Partial<Execution>): void {
    Object.assign(this.execution, patch);
    this.core.saveExecution(this.execution);
  }

  private rootScope(abort: Abort, deadline?: Deadline): Scope {
    return { parent: null, ancestors: [], valuePath: [], value: null, iteration: null, abort, deadline };
  }

  /** Runs a task list: in order (stopping at the first failure), or `concurrency` at a time (0: all); no task starts after a failure. */
  async runList(tasks: readonly Task[], scope: Scope, concurrency = 1): Promise<State> {
    const states: State[] = [];
    if (concurrency === 1) {
      // The usual case, a sequential list: one loop, without a closure and a promise per task.
      for (const task of tasks) {
        if (this.exitInfo) break;
        const state = await this.runTask(task, scope);
        states.push(state);
        if (isFailure(state)) break;
      }
      return mergeStates(states);
    }
    await forEachLimit(tasks, concurrency, async (task) => {
      if (this.exitInfo) return true;
      const state = await this.runTask(task, scope);
      states.push(state);
      return isFailure(state);
    });
    return mergeStates(states);
  }

  private async runTask(raw: Task, scope: Scope): Promise<State> {
    // The first task starts at once (its latency is the trigger's); later ones let requests and kills in.
    if (this.ranTask) {
      const turn = eventLoopTurn();
      if (turn) await turn;
    } else this.ranTask = true;
    const key = runKey(scope.parent?.id ?? null, raw.id, scope.iteration);
    let tr = this.runs.get(key);
    if (tr && isTerminal(tr.state)) return tr.state;
    const definition = this.core.registry.task(raw.type);
    const task = this.flow.pluginDefaults?.length ? this.withDefaults(raw, definition) : raw;
    if (!tr) {
      // As in Kestra, a disabled task is not there at all: no task run, nothing to show.
      if (task.disabled) return 'SKIPPED';
      const fresh = this.newTaskRun(task, scope);
      const verdict = this.checkRunIf(fresh, task, scope);
      // Kestra checks runIf inside a WorkingDirectory on its worker: an error fails the directory, no task run is made.
      if (typeof verdict === 'string' && scope.workingDir !== undefined)
        return this.failWithoutTaskRun(task, scope, verdict);
      tr = fresh;
      this.core.saveTaskRun(tr, this.execution);
      this.runs.set(key, tr);
      if (verdict === false) return this.skipTaskRun(tr);
      if (typeof verdict === 'string') return this.failTaskRun(tr, task, verdict);
    } else if (tr.state === 'CREATED') {
      // One a restart or a retry of its flowable put back: as in Kestra, runIf is read again.
      const verdict = this.checkRunIf(tr, task, scope);
      if (verdict === false) return this.skipTaskRun(tr);
      if (typeof verdict === 'string') return this.failTaskRun(tr, task, verdict);
    }
    if (!definition) return this.failTaskRun(tr, task, `unknown task type '${task.type}'`);
    return definition.children.length > 0
      ? this.runFlowable(tr, task, definition, scope)
      : this.runAttempts(tr, task, definition, scope);
  }

  private withDefaults(raw: Task, definition: AnyTaskDefinition | undefined): Task {
    let task = WITH_DEFAULTS.get(raw);
    if (!task) {
      task = applyPluginDefaults(raw, definition, this.flow.pluginDefaults);
      WITH_DEFAULTS.set(raw, task);
    }
    return task;
  }

  private newTaskRun(task: Task, scope: Scope): TaskRun {
    const tr: TaskRun = {
      id: newId(),
      executionId: this.execution.id,
      taskId: task.id,
      parentTaskRunId: scope.parent?.id ?? null,
      value: scope.value,
      valuePath: scope.valuePath,
      iteration: scope.iteration,
      state: 'CREATED',
      attempts: [],
      outputs: {},
      startDate: this.nowIso(),
    };
    return tr;
  }

  /** Whether a new task run's `runIf` (or `when`) lets it run: true, false, or why it could not be evaluated. */
  private checkRunIf(tr: TaskRun, task: Task, scope: Scope): boolean | string {
    const runIf = task.when ?? task.runIf;
    if (runIf === undefined) return true;
    try {
      const cond =
        typeof runIf === 'boolean'
          ? runIf
          : this.core.renderer.evaluate(runIf, this.variables(tr, task, scope), this.functions(), {
              deadline: scope.deadline,
              signal: scope.abort,
            });
      return isTruthy(cond);
    } catch (err) {
      return `${task.when !== undefined ? 'when' : 'runIf'}: ${messageOf(err)}`;
    }
  }

  /** A task that fails before it has a task run: the error is logged on the enclosing task run and is the execution's. */
  private failWithoutTaskRun(task: Task, scope: Scope, failure: string): State {
    const error = this.secrets.text(`${task.id}: ${failure}`);
    this.log(scope.parent ?? null, 'ERROR', error);
    this.errorInfo ??= { taskId: task.id, message: error };
    return task.allowFailure ? (task.allowWarning ? 'SUCCESS' : 'WARNING') : 'FAILED';
  }

  /**
   * A flowable task: its state follows its children's. When they fail, its
   * own `errors` run (unless the plugin runs them itself); a declared retry
   * then runs the failed children again in place, as Kestra's
   * RETRY_FAILED_TASK does, after those `errors` (which may repair what failed).
   */
  private async runFlowable(tr: TaskRun, task: Task, def: AnyTaskDefinition, scope: Scope): Promise<State> {
    const policy = compileRetry(task.retry ?? this.flow.retry);
    for (;;) {
      let attempt = tr.attempts.at(-1);
      if (attempt?.state !== 'RUNNING') {
        attempt = { state: 'RUNNING', startDate: this.nowIso() };
        tr.attempts.push(attempt);
      }
      // A paused flowable (a Pause with children) keeps its state, and the time it resumes at, until it wakes.
      if (tr.state !== 'PAUSED') this.setTaskRunState(tr, 'RUNNING');
      const outcome = await this.attempt(tr, task, def, scope, tr.attempts.length);
      attempt.endDate = this.nowIso();
      if (outcome.ok) {
        attempt.state = outcome.state;
        this.keepOutputs(tr, outcome.outputs);
        if (scope.abort.killed) return this.endTaskRun(tr, 'KILLED');
        // An allowFailure's WARNING hides a failed child, which its retry still runs again.
        const hidden = outcome.state === 'WARNING' && policy.maxAttempts > 1 && this.hasFailedChild(tr, task);
        if (outcome.state !== 'FAILED' && outcome.state !== 'CANCELLED' && !hidden) {
          if (isFailure(await this.runFinally(tr, task, def, scope)))
            return this.failTaskRun(tr, task, 'a finally task failed');
          return this.endTaskRun(tr, settled(task, outcome.state));
        }
      } else {
        attempt.state = outcome.killed ? 'KILLED' : 'FAILED';
        attempt.error = this.secrets.text(outcome.error);
        // A flowable that failed may still have outputs (forEachItem's counts, for example).
        if (outcome.outputs) this.keepOutputs(tr, outcome.outputs);
        if (outcome.killed) return this.endTaskRun(tr, 'KILLED');
      }
      const failure = outcome.ok ? 'a child task failed' : outcome.error;
      if (scope.abort.reason instanceof InterruptedError) return this.abortedTaskRun(tr, task, scope.abort);
      if (outcome.ok && outcome.state === 'CANCELLED') {
        // Its own `finally` still runs, as Kestra's does for an approval that cancels its execution.
        await this.runFinally(tr, task, def, scope);
        return this.cancel(tr);
      }
      if (scope.abort.aborted) return this.abortedTaskRun(tr, task, scope.abort);
      const delay = this.retryDelay(tr, policy, tr.retryBase ?? 0);
      const handlers = task.errors;
      if (Array.isArray(handlers) && handlers.length > 0 && !def.children.includes('errors'))
        await this.runChildren(tr, scope, scope.abort, scope.deadline, handlers as Task[]);
      if (delay === undefined) {
        if (outcome.ok && outcome.state === 'WARNING') {
          if (isFailure(await this.runFinally(tr, task, def, scope)))
            return this.failTaskRun(tr, task, 'a finally task failed');
          return this.endTaskRun(tr, settled(task, outcome.state));
        }
        await this.runFinally(tr, task, def, scope);
        return this.failTaskRun(tr, task, failure);
      }
      await this.waitForRetry(tr, policy, delay, scope.abort);
      if (scope.abort.aborted) return this.abortedTaskRun(tr, task, scope.abort);
      this.retryFailedChildren(tr, task);
    }
  }

  /** True when a child of the flowable's main tasks (not of its `errors` or `finally`) failed. */
  private hasFailedChild(tr: TaskRun, task: Task): boolean {
    const stage = stageTaskIds(task);
    for (const run of this.runs.values())
      if (run.parentTaskRunId === tr.id && !stage.has(run.taskId) && run.state === 'FAILED') return true;
    return false;
  }

  /**
   * A flowable's own `finally` tasks, as in Kestra: run once its children (and
   * `errors`) have ended, whatever their state, unless it was killed or aborted.
   */
  private async runFinally(tr: TaskRun, task: Task, def: AnyTaskDefinition, scope: Scope): Promise<State> {
    const tasks = task.finally;
    if (
      !Array.isArray(tasks) ||
      tasks.length === 0 ||
      def.children.includes('finally') ||
      scope.abort.aborted
    )
      return 'SUCCESS';
    return this.runChildren(tr, scope, scope.abort, scope.deadline, tasks as Task[]);
  }

  /**
   * Readies a flowable's next attempt: its failed descendants, and the
   * flowables between, go back to CREATED keeping their attempts (a restart in
   * place); what succeeded stays; its `errors` and `finally` runs are dropped
   * to run again.
   */
  private retryFailedChildren(tr: TaskRun, task: Task): void {
    const stage = stageTaskIds(task);
    const under = new Map<string, TaskRun>([[tr.id, tr]]);
    const gone = new Set<string>();
    // Parents are created before their children: one pass in insertion order finds every descendant.
    for (const [key, run] of this.runs) {
      if (run.parentTaskRunId === null || !under.has(run.parentTaskRunId)) continue;
      under.set(run.id, run);
      if (gone.has(run.parentTaskRunId) || (run.parentTaskRunId === tr.id && stage.has(run.taskId))) {
        gone.add(run.id);
        this.runs.delete(key);
      }
    }
    if (gone.size > 0) this.core.store.deleteTaskRuns([...gone]);
    const reset = new Set<TaskRun>();
    for (const run of under.values()) {
      if (run === tr || gone.has(run.id) || !isFailure(run.state)) continue;
      for (let cur: TaskRun | undefined = run; cur && cur !== tr; cur = under.get(cur.parentTaskRunId ?? ''))
        reset.add(cur);
    }
    for (const run of reset) {
      Object.assign(run, { state: 'CREATED', error: undefined, endDate: undefined, resumeAt: undefined });
      run.retryBase = run.attempts.length;
      this.core.saveTaskRun(run, this.execution);
    }
  }

  /** The delay before the next attempt under the policy, or undefined when none is left. */
  private retryDelay(tr: TaskRun, policy: RetryPolicy, base: number): number | undefined {
    if (policy.newExecution) return undefined;
    const next = tr.attempts.length + 1 - base;
    const since = tr.attempts[base]?.startDate ?? tr.startDate;
    const elapsed = this.core.clock.now() - Date.parse(since);
    const delay = tr.resumeAt ? Date.parse(tr.resumeAt) - this.core.clock.now() : policy.delayMs(next);
    const allowed =
      next <= policy.maxAttempts &&
      (policy.maxDurationMs === undefined || elapsed + delay <= policy.maxDurationMs);
    return allowed ? delay : undefined;
  }

  /** Waits out a retry's delay; the time it ends at is stored, so that a restart keeps it. */
  private async waitForRetry(tr: TaskRun, policy: RetryPolicy, delay: number, abort: Abort): Promise<void> {
    if (!tr.resumeAt) {
      tr.resumeAt = new Date(this.core.clock.now() + delay).toISOString();
      // What the failed attempt left (a subflow's execution id) is not the next attempt's.
      tr.outputs = {};
      this.setTaskRunState(tr, 'RETRYING');
      const next = tr.attempts.length + 1 - (tr.retryBase ?? 0);
      this.log(tr, 'WARN', `retrying in ${Math.round(delay)} ms (attempt ${next} of ${policy.maxAttempts})`);
    }
    await this.sleepUntil(Date.parse(tr.resumeAt), abort);
    tr.resumeAt = undefined;
  }

  /** A task run that cancels its execution (a Pause whose `behavior` is CANCEL). */
  private cancel(tr: TaskRun): State {
    this.cancelled = true;
    return this.endTaskRun(tr, 'CANCELLED');
  }

  /** A runnable task: attempts with the retry policy, each attempt under its own timeout. */
  private async runAttempts(tr: TaskRun, task: Task, def: AnyTaskDefinition, scope: Scope): Promise<State> {
    const policy = compileRetry(task.retry ?? this.flow.retry);
    let last = tr.attempts.at(-1);
    if (last?.state === 'RUNNING' && tr.state === 'RUNNING' && !def.resumable) {
      // The process running this attempt stopped (crash, SIGKILL): it counts as a failed attempt.
      last.state = 'FAILED';
      last.endDate = this.nowIso();
      last.error = 'interrupted: the process running this attempt stopped';
      this.log(tr, 'WARN', `attempt ${tr.attempts.length} was interrupted by a restart`);
    }
    // After a restart, the policy counts attempts (and time) from the restart on.
    const base = tr.retryBase ?? 0;
    for (;;) {
      last = tr.attempts.at(-1);
      // A paused attempt, or one of a resumable task a restart interrupted, goes on.
      const resumingPause =
        last?.state === 'RUNNING' &&
        (tr.state === 'PAUSED' || (tr.state === 'RUNNING' && def.resumable === true));
      if (last && !resumingPause && tr.attempts.length > base) {
        const delay = this.retryDelay(tr, policy, base);
        if (delay === undefined) return this.failTaskRun(tr, task, last.error ?? 'failed');
        await this.waitForRetry(tr, policy, delay, scope.abort);
        if (scope.abort.aborted) return this.abortedTaskRun(tr, task, scope.abort);
      }
      let attempt: Attempt;
      if (resumingPause && last) attempt = last;
      else {
        attempt = { state: 'RUNNING', startDate: this.nowIso() };
        tr.attempts.push(attempt);
      }
      tr.error = undefined;
      this.setTaskRunState(tr, 'RUNNING');
      const outcome = await this.attempt(tr, task, def, scope, tr.attempts.length);
      attempt.endDate = this.nowIso();
      if (outcome.ok) {
        attempt.state = outcome.state;
        this.keepOutputs(tr, outcome.outputs);
        const retried = tr.attempts.length > 1;
        const state =
          outcome.state === 'SUCCESS' && retried && policy.warningOnRetry ? 'WARNING' : outcome.state;
        if (state === 'CANCELLED') return this.cancel(tr);
        if (state === 'FAILED') return this.failTaskRun(tr, task, 'the task reported FAILED');
        return this.endTaskRun(tr, settled(task, state));
      }
      attempt.state = outcome.killed ? 'KILLED' : 'FAILED';
      attempt.error = this.secrets.text(outcome.error);
      if (outcome.outputs) this.keepOutputs(tr, outcome.outputs);
      this.log(tr, 'ERROR', outcome.error);
      if (outcome.killed) return this.endTaskRun(tr, 'KILLED');
      if (scope.abort.reason instanceof InterruptedError) return this.abortedTaskRun(tr, task, scope.abort);
      if (!outcome.retryable) return this.failTaskRun(tr, task, outcome.error);
      if (scope.abort.aborted) return this.abortedTaskRun(tr, task, scope.abort);
    }
  }

  /** One attempt: render, run under timeout and abort, and report how it went. */
  private async attempt(
    tr: TaskRun,
    task: Task,
    def: AnyTaskDefinition,
    scope: Scope,
    attemptNo: number,
  ): Promise<Outcome> {
    if (scope.abort.aborted) return abortedOutcome(scope.abort);
    const variables = this.variables(tr, task, scope);
    let timeout: unknown;
    try {
      // The timeout first: it bounds the rendering of the other properties too.
      timeout =
        task.timeout === undefined
          ? undefined
          : this.core.renderer.render(task.timeout, variables, this.functions(), {
              deadline: scope.deadline,
              signal: scope.abort,
            });
    } catch (err) {
      return renderFailure(err, task, scope.abort);
    }
    // Only an attempt with a timeout needs an abort of its own; others share their scope's.
    let abort = scope.abort;
    let deadline = scope.deadline;
    let timer: unknown;
    let unlink: (() => void) | undefined;
    if (typeof timeout === 'string' && !def.ownsTimeout) {
      const own = scope.abort.child();
      unlink = own.unlink;
      const limit = this.core.durationMs(timeout);
      const reason = `task timed out after ${timeout}`;
      timer = this.core.clock.setTimeout(() => {
        own.abort.abort(new TimeoutError(reason));
        this.abortedAttempts();
      }, limit);
      abort = own.abort;
      deadline = earlier(deadline, { at: Date.now() + limit, reason });
    }
    let ctx: EngineTaskContext | undefined;
    try {
      const bounds: RenderBounds = { deadline, signal: abort };
      let props: Record<string, unknown>;
      try {
        props = this.renderProps(task, def, variables, bounds);
      } catch (err) {
        return renderFailure(err, task, abort);
      }
      ctx = createTaskContext({
        run: this,
        core: this.core,
        taskRun: tr,
        task,
        attempt: attemptNo,
        scope,
        abort,
        bounds,
        variables,
      });
      const ran = def.run(props, ctx);
      // A plugin that ended synchronously (log, output …) leaves nothing to race against the abort.
      const result = isThenable(ran) ? await this.raceAbort(Promise.resolve(ran), abort) : await ran;
      if (abort.aborted) throw abort.reason;
      return { ok: true, state: result?.state ?? 'SUCCESS', outputs: result?.outputs ?? {} };
    } catch (err) {
      const reason = abort.aborted ? abort.reason : err;
      const killed = reason instanceof KilledError;
      // A declared retry applies to any failure, as in Kestra; only a kill or a timeout of the enclosing scope stops it.
      return { ok: false, error: messageOf(reason), retryable: !killed, killed, outputs: failedOutputs(err) };
    } finally {
      if (timer !== undefined) this.core.clock.clearTimeout(timer);
      unlink?.();
      const disposing = ctx?.dispose();
      if (disposing) await disposing;
    }
  }

  /**
   * Waits for a task's promise; if the task ignores `abort`, gives up on it a
   * grace period later. Every abort of this run is made in this class, which
   * then calls {@link abortedAttempts}: no listener per attempt.
   */
  private raceAbort<T>(work: Promise<T>, abort: Abort): Promise<T> {
    if (abort.aborted) return work;
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const entry = {
        abort,
        aborted: () => {
          timer ??= setTimeout(() => reject(abort.reason), this.core.killGraceMs);
        },
      };
      this.inflight.add(entry);
      const settled = () => {
        clearTimeout(timer);
        this.inflight.delete(entry);
      };
      work.then(
        (value) => {
          settled();
          resolve(value);
        },
        (error) => {
          settled();
          reject(error);
        },
      );
    });
  }

  /** Starts the grace period of every attempt now aborted. */
  private abortedAttempts(): void {
    for (const entry of this.inflight) if (entry.abort.aborted) entry.aborted();
  }

  private renderProps(
    task: Task,
    def: AnyTaskDefinition,
    variables: Record<string, unknown>,
    bounds: RenderBounds,
  ): Record<string, unknown> {
    let split = SPLIT_PROPS.get(task);
    if (!split) {
      const kept: Record<string, unknown> = {};
      const toRender: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(task)) {
        if (ENGINE_KEYS.has(k) || def.children.includes(k) || def.raw.includes(k)) kept[k] = v;
        else toRender[k] = v;
      }
      split = {
        kept,
        rendered: toRender,
        check: renderedPropsCheck(def.properties, toRender, renderedPropsProblem),
      };
      SPLIT_PROPS.set(task, split);
    }
    // One render for all of them: the expressions of a task share one context.
    const rendered = this.core.renderer.render(split.rendered, variables, this.functions(), bounds) as Record<
      string,
      unknown
    >;
    split.check?.(rendered);
    return Object.assign({}, split.kept, rendered);
  }

  /** Runs a flowable's children, under its attempt's abort and deadline; called through the task context. */
  runChildren(
    parent: TaskRun,
    scope: Scope,
    abort: Abort,
    deadline: Deadline | undefined,
    tasks: readonly Task[],
    options: RunTasksOptions = {},
  ): Promise<State> {
    const ancestors = [parent, ...scope.ancestors];
    const child: Scope =
      options.value !== undefined
        ? {
            parent,
            ancestors,
            valuePath: [...scope.valuePath, options.value],
            value: options.value,
            iteration: options.iteration ?? null,
            abort,
            deadline,
            workingDir: scope.workingDir,
          }
        : { ...scope, parent, ancestors, abort, deadline };
    // A loop's pass: new task runs (keyed by the iteration), outputs not keyed.
    if (options.value === undefined && options.iteration !== undefined) child.iteration = options.iteration;
    if (options.workingDir !== undefined) child.workingDir = options.workingDir;
    const { interrupt } = options;
    if (!interrupt) return this.runList(tasks, child, options.concurrency ?? 1);
    const interruptible = abort.child();
    const stop = () => interruptible.abort.abort(new InterruptedError(interrupt.state, interrupt.reason));
    if (interrupt.signal.aborted) stop();
    else interrupt.signal.addEventListener('abort', stop, { once: true });
    child.abort = interruptible.abort;
    return this.runList(tasks, child, options.concurrency ?? 1).finally(() => {
      interruptible.unlink();
      interrupt.signal.removeEventListener('abort', stop);
    });
  }

  /**
   * Runs one iteration of a Loop, keyed by `iteration.key`, then renders its
   * declared outputs in its scope: a render that fails fails the iteration.
   */
  async runIteration(
    parent: TaskRun,
    task: Task,
    scope: Scope,
    abort: Abort,
    deadline: Deadline | undefined,
    tasks: readonly Task[],
    iteration: LoopIteration,
  ): Promise<IterationResult> {
    const valuePath = [...scope.valuePath, iteration.key];
    const frame = loopFrame(iteration, scope.loops, valuePath.length, tasks);
    const child: Scope = {
      parent,
      ancestors: [parent, ...scope.ancestors],
      valuePath,
      value: iteration.key,
      iteration: iteration.index,
      abort,
      deadline,
      workingDir: scope.workingDir,
      loops: [...(scope.loops ?? []), frame],
    };
    const state = await this.runList(tasks, child, 1);
    const declared = iteration.outputs ?? [];
    if (isFailure(state) || declared.length === 0) return { state };
    try {
      const values = Object.fromEntries(declared.map((o) => [o.id, o.value]));
      const typed = new Set(declared.filter((o) => o.type !== undefined).map((o) => o.id));
      const vars = this.variables(parent, task, child);
      return { state, outputs: typedOutputs(declared, this.renderInScope(values, typed, vars)) };
    } catch (err) {
      return { state: 'FAILED', error: `outputs of iteration ${iteration.index}: ${messageOf(err)}` };
    }
  }

  /** Stores a running task's outputs now, where its children's expressions read them. */
  publishOutputs(tr: TaskRun, outputs: Record<string, unknown>): void {
    this.keepOutputs(tr, outputs);
    this.setOutputs(tr);
    this.core.saveTaskRun(tr, this.execution);
  }

  /**
   * Waits until `until`, or until resumed (without `until`, only then); the
   * pause is durable across restarts. Says whether it was resumed, and with
   * which `onResume` inputs.
   */
  async pause(tr: TaskRun, abort: Abort, until?: number): Promise<PauseOutcome> {
    const pausing = tr.state !== 'PAUSED';
    if (pausing) {
      tr.resumeAt = until !== undefined ? new Date(until).toISOString() : undefined;
      this.setTaskRunState(tr, 'PAUSED');
    }
    this.pausedCount++;
    // A new pause is dated, so that it tells apart from the last one; a pause walked again after a restart keeps its date.
    if (this.pausedCount === 1)
      this.updateExecution(pausing ? { state: 'PAUSED', pausedAt: this.nowIso() } : { state: 'PAUSED' });
    let outcome: PauseOutcome = { resumed: false };
    try {
      const pending = this.pendingResume ?? (tr.outputs[RESUMED_WITH] as Record<string, unknown> | undefined);
      const review = tr.outputs[REVIEWED] as Review | undefined;
      this.pendingResume = undefined;
      if (RESUMED_WITH in tr.outputs || REVIEWED in tr.outputs) {
        const { [RESUMED_WITH]: _, [REVIEWED]: __, ...rest } = tr.outputs;
        tr.outputs = rest;
      }
      if (pending)
        outcome = review ? { resumed: true, inputs: pending, review } : { resumed: true, inputs: pending };
      else
        outcome = await new Promise<PauseOutcome>((resolve) => {
          let timer: unknown;
          const wake = (result: PauseOutcome) => {
            if (timer !== undefined) this.core.clock.clearTimeout(timer);
            unlink();
            this.resumeWaiters.delete(waiter);
            resolve(result);
          };
          const waiter = { taskId: tr.taskId, taskRunId: tr.id, wake };
          this.resumeWaiters.add(waiter);
          const unlink = abort.onAbort(() => wake({ resumed: false }));
          if (tr.resumeAt) {
            const ms = Date.parse(tr.resumeAt) - this.core.clock.now();
            timer = this.core.clock.setTimeout(() => wake({ resumed: false }), Math.max(0, ms));
          }
        });
    } finally {
      this.pausedCount--;
      tr.resumeAt = undefined;
      if (this.pausedCount === 0 && !this.killAbort.aborted) this.updateExecution({ state: 'RUNNING' });
    }
    if (abort.aborted) throw abort.reason;
    this.setTaskRunState(tr, 'RUNNING');
    return outcome;
  }

  /** Task runs of this execution paused now (or left paused by an earlier process). */
  pausedTaskIds(): string[] {
    const ids = new Set<string>();
    for (const waiter of this.resumeWaiters) ids.add(waiter.taskId);
    for (const tr of this.runs.values()) if (tr.state === 'PAUSED') ids.add(tr.taskId);
    return [...ids];
  }

  private sleepUntil(deadline: number, abort: Abort): Promise<void> {
    const ms = deadline - this.core.clock.now();
    if (ms <= 0 || abort.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.core.clock.clearTimeout(timer);
        unlink();
        resolve();
      };
      const timer = this.core.clock.setTimeout(done, ms);
      const unlink = abort.onAbort(done);
    });
  }

  private abortedTaskRun(tr: TaskRun, task: Task, abort: Abort): State {
    const { reason } = abort;
    // Stopped by its flowable (not the execution's cancel): only this task run ends so.
    if (reason instanceof InterruptedError && reason.state !== 'FAILED') {
      tr.error = reason.message;
      return this.endTaskRun(tr, reason.state);
    }
    return abort.killed ? this.endTaskRun(tr, 'KILLED') : this.failTaskRun(tr, task, messageOf(reason));
  }

  private failTaskRun(tr: TaskRun, task: Task, failure: string): State {
    const error = this.secrets.text(failure);
    tr.error = error;
    if (tr.attempts.length === 0) this.log(tr, 'ERROR', error);
    this.errorInfo ??= { taskId: tr.taskId, message: `${tr.taskId}: ${error}` };
    const policy = compileRetry(task.retry ?? this.flow.retry);
    const attempt = this.execution.attemptNumber ?? 1;
    if (
      policy.newExecution &&
      !task.allowFailure &&
      !this.killAbort.aborted &&
      attempt < policy.maxAttempts
    ) {
      this.retryDelayMs ??= policy.delayMs(attempt + 1);
      this.retryMaxDurationMs ??= policy.maxDurationMs;
    }
    return this.endTaskRun(tr, task.allowFailure ? (task.allowWarning ? 'SUCCESS' : 'WARNING') : 'FAILED');
  }

  /** Whether a new execution after `delayMs` still starts within `maxDuration` of the first one, as in Kestra. */
  private async retryWithinDuration(delayMs: number): Promise<boolean> {
    const max = this.retryMaxDurationMs;
    if (max === undefined) return true;
    const { id, originalId } = this.execution;
    const first =
      originalId && originalId !== id
        ? (await this.core.store.getExecution(originalId))?.execution
        : undefined;
    const since = Date.parse((first ?? this.execution).startDate);
    return this.core.clock.now() + delayMs - since <= max;
  }

  /** A task run its `runIf` turned down: SKIPPED, with one SKIPPED attempt, as Kestra shows it. */
  private skipTaskRun(tr: TaskRun): State {
    const now = this.nowIso();
    tr.attempts.push({ state: 'SKIPPED', startDate: now, endDate: now });
    return this.endTaskRun(tr, 'SKIPPED');
  }

  private endTaskRun(tr: TaskRun, state: State): State {
    tr.endDate = this.nowIso();
    if (Object.keys(tr.outputs).length > 0) this.setOutputs(tr);
    this.setTaskRunState(tr, state);
    return state;
  }

  private setTaskRunState(tr: TaskRun, state: State): void {
    tr.state = state;
    this.core.saveTaskRun(tr, this.execution);
  }

  /**
   * A task run's outputs: stored with secrets masked, while later tasks of
   * this process read them as they are (a header that carries a token works).
   */
  private keepOutputs(tr: TaskRun, outputs: Record<string, unknown>): void {
    tr.outputs = this.secrets.value(outputs);
    if (tr.outputs !== outputs) this.liveOutputs.set(tr.id, outputs);
  }

  /** A task run's outputs where expressions read them, with those its definition shows under other ids. */
  private setOutputs(tr: TaskRun): void {
    const outputs = this.liveOutputs.get(tr.id) ?? tr.outputs;
    this.placeOutputs(tr.taskId, tr.valuePath, outputs);
    const siblings = this.definitionOf(tr.taskId)?.siblingOutputs?.(outputs);
    for (const [suffix, sibling] of Object.entries(siblings ?? {}))
      this.placeOutputs(tr.taskId + suffix, tr.valuePath, sibling);
  }

  private typesById: Map<string, string> | undefined;

  /** The definition of the task `taskId`, for the few that show outputs under other ids. */
  private definitionOf(taskId: string): AnyTaskDefinition | undefined {
    this.typesById ??= taskTypesById(this.flow);
    const type = this.typesById.get(taskId);
    return type === undefined ? undefined : this.core.registry.task(type);
  }

  /** Outputs are keyed by task id, then by each enclosing foreach value: `outputs.t['a'].x`. */
  private placeOutputs(taskId: string, valuePath: readonly string[], outputs: Record<string, unknown>): void {
    if (valuePath.length === 0) {
      this.outputs[taskId] = outputs;
      return;
    }
    const child = (parent: Record<string, unknown>, key: string): Record<string, unknown> => {
      const existing = parent[key];
      if (typeof existing === 'object' && existing !== null) return existing as Record<string, unknown>;
      const created: Record<string, unknown> = {};
      parent[key] = created;
      return created;
    };
    let node = child(this.outputs, taskId);
    for (const v of valuePath.slice(0, -1)) node = child(node, v);
    node[valuePath.at(-1)!] = outputs;
  }

  private base: BaseVariables | undefined;

  /** What every expression of this execution sees; made once, since none of it changes. */
  private baseVariables(): BaseVariables {
    const e = this.execution;
    this.base ??= {
      flow: { id: e.flowId, namespace: e.namespace, revision: e.flowRevision },
      execution: {
        id: e.id,
        startDate: e.startDate,
        originalId: e.originalId,
        // Kestra's `execution.state` and `execution.outputs`: as they are now, read when an expression asks.
        get state() {
          return e.state;
        },
        get outputs() {
          return e.outputs;
        },
      },
      inputs: this.inputs,
      labels: e.labels,
      trigger: e.trigger ?? undefined,
      agent: this.core.agent,
      envs: this.core.variables.envs,
      globals: this.core.variables.globals,
    };
    return this.base;
  }

  /** The expression context of one task: a literal of fixed keys, made for every attempt. */
  variables(tr: TaskRun, task: Task, scope: Scope): Record<string, unknown> {
    const base = this.baseVariables();
    const run = this;
    const vars: Record<string | symbol, unknown> = {
      // Kestra's `tasks`: made only when an expression reads it, since most never do.
      get tasks() {
        return run.taskStates();
      },
      flow: base.flow,
      execution: base.execution,
      inputs: base.inputs,
      labels: base.labels,
      trigger: base.trigger,
      agent: base.agent,
      envs: base.envs,
      globals: base.globals,
      vars: this.vars ?? this.execution.variables ?? {},
      outputs: this.outputs,
      task: { id: task.id, type: task.type },
      // Kestra's `outputDir`: where a script task's files are collected from (its `$OUTPUT_DIR`).
      outputDir: this.outputDir(tr),
      taskrun: {
        id: tr.id,
        startDate: tr.startDate,
        // Kestra's count of the task run's attempts, the running one included (0 before the first).
        attemptsCount: tr.attempts.length,
        value: scope.value,
        iteration: scope.iteration,
      },
    };
    // currentEachOutput() walks outputs by the loop values, as they are keyed; parents may hold a value twice.
    if (scope.valuePath.length > 0) vars[ITERATION_PATH] = scope.valuePath;
    if (scope.parent) {
      // Kestra's `parents` and `parent`: made only when an expression reads them.
      let parents: Record<string, unknown>[] | undefined;
      const enclosing = () => {
        parents ??= this.parentVariables(scope.parent);
        return parents.length > 0 ? parents : undefined;
      };
      Object.defineProperty(vars, 'parents', { get: enclosing, enumerable: true });
      Object.defineProperty(vars, 'parent', { get: () => enclosing()?.[0], enumerable: true });
      const worker = this.enclosingWorkingDirectory(scope);
      if (worker) vars.workerTaskrun = { id: worker.id, value: worker.value };
    }
    if (this.execution.stage === 'errors' && this.errorInfo) vars.error = this.errorInfo;
    const loop = scope.loops?.at(-1);
    if (loop) {
      vars.item = loop.item;
      vars.outputs = iterationOutputs(this.outputs, scope.valuePath, scope.loops ?? []);
    }
    (vars as Record<symbol, unknown>)[TASK_LINEAGE] = this.lineage(tr, scope);
    return vars;
  }

  /** The task run of this id, found among the runs so far; for the rare expressions that walk up. */
  private runById(id: string | null): TaskRun | undefined {
    if (id === null) return undefined;
    for (const tr of this.runs.values()) if (tr.id === id) return tr;
    return undefined;
  }

  /**
   * Kestra's `parents`: each enclosing task run, nearest first, as `{taskrun: {value}, outputs}` with
   * what it has of the two; one with neither is left out.
   */
  private parentVariables(parent: TaskRun | null): Record<string, unknown>[] {
    const found: Record<string, unknown>[] = [];
    for (let tr = parent ?? undefined; tr; tr = this.runById(tr.parentTaskRunId)) {
      const entry: Record<string, unknown> = {};
      if (tr.value !== null) entry.taskrun = { value: tr.value };
      const outputs = this.liveOutputs.get(tr.id) ?? tr.outputs;
      if (Object.keys(outputs).length > 0) entry.outputs = outputs;
      if (Object.keys(entry).length > 0) found.push(entry);
    }
    return found;
  }

  /** The run of the nearest `workingDirectory` around a task (Kestra's `workerTaskrun` inside it). */
  private enclosingWorkingDirectory(scope: Scope): TaskRun | undefined {
    if (scope.workingDir === undefined) return undefined;
    for (let tr = scope.parent ?? undefined; tr; tr = this.runById(tr.parentTaskRunId))
      if (this.definitionOf(tr.taskId)?.type === 'workingDirectory') return tr;
    return undefined;
  }

  /** What `parentOutput()` and `outputFromIteration()` read about the task runs around `tr`. */
  private lineage(tr: TaskRun, scope: Scope): TaskLineage {
    const run = this;
    const outputsOf = (t: TaskRun) => run.liveOutputs.get(t.id) ?? t.outputs;
    return {
      iteration: scope.iteration,
      valuePath: scope.valuePath,
      parentOutputs() {
        const found: Record<string, unknown>[] = [];
        const byId = new Map([...run.runs.values()].map((t) => [t.id, t]));
        for (let parent = scope.parent; parent; parent = byId.get(parent.parentTaskRunId ?? '') ?? null)
          found.push(outputsOf(parent));
        return found;
      },
      iterationOutputs(index) {
        const earlier = run.runs.get(runKey(scope.parent?.id ?? null, tr.taskId, index));
        return earlier && isTerminal(earlier.state) ? outputsOf(earlier) : undefined;
      },
    };
  }

  /** The outputs of `taskId`'s ended run in `iteration` of the loop inside the iterations `outer` (for `iterationOutputs()`). */
  private iterationOutputs(
    taskId: string,
    outer: readonly unknown[],
    iteration: number,
  ): Record<string, unknown> | undefined {
    for (const tr of this.runs.values()) {
      if (tr.taskId !== taskId || tr.iteration !== iteration || !isTerminal(tr.state)) continue;
      if (tr.valuePath.length !== outer.length + 1) continue;
      if (outer.every((value, i) => tr.valuePath[i] === value)) return tr.outputs;
    }
    return undefined;
  }

  /**
   * Kestra's `tasks` variable: `tasks.<taskId>.state` of each task run so far, and for the runs of a
   * loop's iterations `tasks.<taskId>.<value>.state`; a later run of a task replaces an earlier one.
   */
  taskStates(): Record<string, unknown> {
    const tasks: Record<string, Record<string, unknown>> = {};
    for (const tr of this.runs.values()) {
      const state = { state: tr.state };
      if (tr.value === null) tasks[tr.taskId] = state;
      else tasks[tr.taskId] = { ...tasks[tr.taskId], [tr.value]: state };
    }
    return tasks;
  }

  /** This execution's work folder, joined once: a path join per attempt cost more than the rest of its variables. */
  private workDir: string | undefined;

  /**
   * `join(attemptDir(…), OUTPUT_DIR)` (task-context.ts) for the task run's current attempt, put
   * together from the execution's work folder: a task run id and an attempt number are plain
   * path segments, so nothing is left to normalize.
   */
  private outputDir(tr: TaskRun): string {
    this.workDir ??= join(this.core.workRoot, this.execution.id);
    return `${this.workDir}${sep}${tr.id}-${tr.attempts.length}${sep}${OUTPUT_SUBDIR}`;
  }

  /**
   * The flow's outputs, as Kestra makes them: an output with a `type` is rendered to text (a map's or
   * list's strings each), then read as that type (`STRING` as is, `INT` from `"3"`, `JSON` parsed…).
   * An output with `required: false` that fails to render is left out, with a warning.
   */
  private renderFlowOutputs(): Record<string, unknown> {
    const declared = this.flow.outputs ?? [];
    const typed = new Set(declared.filter((o) => o.type !== undefined).map((o) => o.id));
    const required = declared.filter((o) => o.required !== false);
    const rendered = this.renderInScope(Object.fromEntries(required.map((o) => [o.id, o.value])), typed);
    // Kestra renders an optional output alone: its failure is a warning and the output has no value.
    for (const o of declared.filter((d) => d.required === false)) {
      try {
        Object.assign(rendered, this.renderInScope({ [o.id]: o.value }, typed));
      } catch (err) {
        this.log(null, 'WARN', `optional output '${o.id}' is left out: ${messageOf(err)}`);
      }
    }
    return typedOutputs(declared, rendered);
  }

  /**
   * Renders values as the flow's outputs are, with this execution's inputs,
   * variables and task outputs in scope (a parent's Subflow `outputs`, too);
   * those named in `asText` to text, as Kestra renders its string properties.
   */
  renderInScope(
    values: Record<string, unknown>,
    asText?: ReadonlySet<string>,
    scoped?: Record<string, unknown>,
  ): Record<string, unknown> {
    const vars = scoped ?? {
      ...this.baseVariables(),
      vars: this.vars ?? this.execution.variables ?? {},
      outputs: this.outputs,
      tasks: this.taskStates(),
    };
    const fns = this.functions();
    const out: Record<string, unknown> = {};
    const bounds = { signal: this.killAbort };
    const { renderer } = this.core;
    const text = (value: unknown): unknown =>
      mapTexts(value, (s) => renderer.renderText(s, vars, fns, bounds));
    for (const [id, value] of Object.entries(values))
      out[id] = asText?.has(id) ? text(value) : renderer.render(value, vars, fns, bounds);
    return this.secrets.value(out);
  }

  log(tr: TaskRun | null, level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR', message: string): void {
    this.emit({
      executionId: this.execution.id,
      taskRunId: tr?.id ?? null,
      taskId: tr?.taskId ?? null,
      attempt: tr ? tr.attempts.length : null,
      level,
      message: this.secrets.text(message),
      timestamp: this.nowIso(),
    });
  }

  /** Hands a line of this execution (the engine's or a task's) to the log, keeping ERROR lines for `errorLogs()`. */
  emit(line: LogLine): void {
    this.errorLines.add(line);
    this.core.log(line);
  }

  /** The ERROR lines logged before a restart, ahead of any logged since. */
  private async readErrorLines(): Promise<void> {
    await this.core.store.flush();
    const stored = await this.core.store.listLogs(this.execution.id);
    this.errorLines.addEarlier(stored);
  }

  private nowIso(): string {
    return this.core.nowIso();
  }
}

/** `allowWarning` makes a task that ended in WARNING count as a success, as in Kestra. */
function settled(task: Task, state: State): State {
  return state === 'WARNING' && task.allowWarning === true ? 'SUCCESS' : state;
}

/** The outcome of an attempt stopped before it ran. */
function abortedOutcome(abort: Abort): Outcome {
  return { ok: false, error: messageOf(abort.reason), retryable: false, killed: abort.killed };
}

/** A property that cannot be rendered fails the attempt; a declared retry renders it again (its inputs may have changed: kv, time). */
function renderFailure(err: unknown, task: Task, abort: Abort): Outcome {
  if (abort.aborted) return abortedOutcome(abort);
  return { ok: false, error: `${messageOf(err)} in task '${task.id}'`, retryable: true, killed: false };
}

/** True for a promise, or anything that reads like one. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/** The deadline that comes first. */
function earlier(a: Deadline | undefined, b: Deadline): Deadline {
  return a !== undefined && a.at <= b.at ? a : b;
}

/** Outputs a failing task attached to its error (a script's exitCode, say), kept for `errors` handlers. */
/** Where a paused task run keeps the inputs of a resume asked for before its pause was reached again. */
const RESUMED_WITH = 'onResume';
/** Where a paused approval keeps a decision made before its pause was reached again. */
const REVIEWED = 'reviewedWith';

function failedOutputs(err: unknown): Record<string, unknown> | undefined {
  if (!(err instanceof TaskError)) return undefined;
  const details = err.details as { outputs?: unknown } | undefined;
  const outputs = details?.outputs;
  return typeof outputs === 'object' && outputs !== null ? (outputs as Record<string, unknown>) : undefined;
}

/**
 * A task run's place in the tree. Unique because every flowable run is
 * itself per-iteration, so siblings differ only by their foreach iteration.
 */
function runKey(parentId: string | null, taskId: string, iteration: number | null): string {
  return `${parentId ?? ''}/${taskId}/${iteration ?? ''}`;
}

/** The ids of a flowable's `errors` and `finally` tasks, the stages after its main tasks. */
function stageTaskIds(task: Task): Set<string> {
  const ids = new Set<string>();
  for (const list of [task.errors, task.finally])
    if (Array.isArray(list)) for (const t of list as Task[]) ids.add(t.id);
  return ids;
}
