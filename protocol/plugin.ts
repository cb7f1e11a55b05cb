/**
 * What a plugin sees: its definition shape and its run context. Plugins import
 * only from `protocol/`; the engine implements these interfaces.
 */
import { type Static, Type as T, type TSchema } from '@sinclair/typebox';
import type { Execution, LogLevel, LogLine, PurgeCounts, PurgeRequest } from './execution.js';
import type { FlowOutput, Task } from './flow.js';
import type { State } from './states.js';

/**
 * Where, inside an attempt's working directory, a task puts the files it
 * hands on: script tasks' `$OUTPUT_DIR`, and Kestra's `{{ outputDir }}` in
 * every task's expressions.
 */
export const OUTPUT_DIR = '.tern/output';

/** `$ref` used inside plugin schemas for "a task of any type"; resolved when the flow schema is assembled. */
export const TASK_REF = '#/$defs/task';

/** Schema for a property holding a list of tasks (a flowable's children). */
export function TaskList(options: { minItems?: number; description?: string } = {}) {
  return T.Array(T.Unsafe<Task>({ $ref: TASK_REF }), options);
}

export interface TaskLogger {
  log(level: LogLevel, message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Namespaced key-value store; synchronous so that `kv()` works inside expressions. */
export interface KvStore {
  get(namespace: string, key: string): unknown;
  set(namespace: string, key: string, value: unknown, ttlMs?: number): void;
  delete(namespace: string, key: string): boolean;
}

/** One namespace file as listed: its path (`/`-separated, no leading slash), size in bytes and revision. */
export interface NamespaceFileInfo {
  readonly path: string;
  readonly size: number;
  readonly revision: number;
  readonly updatedAt: string;
}

/**
 * Files kept per namespace (scripts, SQL, configs) that flows of the namespace use. Reads are synchronous
 * so that expressions (`read()`) can use them; paths are normalised by `namespaceFilePath`.
 */
export interface NamespaceFileStore {
  /** The file's bytes, or undefined when there is no such live file. */
  get(namespace: string, path: string): Uint8Array | undefined;
  /** The namespace's live files, sorted by path. */
  list(namespace: string): NamespaceFileInfo[];
  /** Stores the bytes as the file's new revision. */
  put(namespace: string, path: string, content: Uint8Array): Promise<NamespaceFileInfo>;
  /** Deletes the file (a tombstone revision where revisions are kept); false when there was none. */
  delete(namespace: string, path: string): Promise<boolean>;
}

/** Execution file storage: task output files become URIs other tasks can read. */
export interface FileStorage {
  /** Copies a local file into storage and returns its URI. */
  put(executionId: string, taskRunId: string, name: string, sourcePath: string): Promise<string>;
  /** True when `value` is a URI made by `put`. */
  isUri(value: string): boolean;
  /** The local path of a stored file. */
  localPath(uri: string): string;
  /** Removes every file stored for an execution and returns their URIs. */
  deleteExecutionFiles(executionId: string): Promise<string[]>;
}

export interface RunTasksOptions {
  /** Iteration value inside `foreach` (outputs are keyed by it). */
  value?: string;
  /**
   * The iteration's number (`taskrun.iteration`). Without `value`, each
   * iteration is a pass of a loop (`waitFor`): its task runs are new, and its
   * outputs replace the previous pass's instead of being keyed.
   */
  iteration?: number;
  /** How many child tasks run at once: 1 (default) runs them in order; 0 means no limit. */
  concurrency?: number;
  /** A folder the children share as their working directory (`workingDirectory`), instead of one each. */
  workingDir?: string;
  /**
   * Stops the children still running (or waiting to retry) when `signal` fires: they end in `state`,
   * with `reason` as their error, and the execution goes on (a Dag's `onChildFailure`, a Parallel's
   * `failFast`).
   */
  interrupt?: { signal: AbortSignal; state: 'CANCELLED' | 'FAILED' | 'KILLED'; reason: string };
}

/** One iteration of Kestra's `Loop` (`TaskContext.runIteration`). */
export interface LoopIteration {
  /** Keys the iteration's task runs and outputs among the others: unique within the loop. */
  key: string;
  /** `item.index`, from 0. */
  index: number;
  /** `item.value`: the value as text. */
  value: string;
  /** `item.key`, when the values are a map. */
  mapKey?: string;
  /** Rendered in the iteration's scope once its tasks succeed, and typed as a flow's outputs are. */
  outputs?: readonly FlowOutput[];
}

/** How a Loop iteration ended, and its rendered `outputs`; `error` says why it failed when its tasks did not. */
export interface IterationResult {
  state: State;
  outputs?: Record<string, unknown>;
  error?: string;
}

export interface SubflowRequest {
  namespace: string;
  flowId: string;
  revision?: number;
  inputs?: Record<string, unknown>;
  labels?: Record<string, string>;
  wait?: boolean;
  /**
   * Tells apart several subflows one task run starts (a batch's number in
   * `forEachItem`): each is remembered under its key, so that a restart waits
   * for it instead of starting it again. Without it, the task run starts one.
   */
  key?: string;
  /** Copy the parent execution's labels (not its `system.` ones) under `labels` (Kestra's `inheritLabels`). */
  inheritLabels?: boolean;
  /**
   * Kestra's deprecated Subflow `outputs`: values rendered in the subflow's
   * execution once it has ended (its task outputs in scope), used as its
   * outputs when its flow declares none.
   */
  outputs?: Record<string, unknown>;
  /**
   * What to do with a subflow execution that failed before this attempt
   * began (the parent was restarted, or its task retried): run it again in
   * place (RETRY_FAILED, the default, as Kestra) or start a new one.
   */
  restartBehavior?: 'RETRY_FAILED' | 'NEW_EXECUTION';
  /** Kestra's `scheduleDate`: the subflow execution is created now and starts running at this time (ISO-8601). */
  scheduleDate?: string;
}

export interface SubflowResult {
  executionId: string;
  state: State;
  outputs: Record<string, unknown>;
}

/** A resource kept for the runtime's life and shared by executions and triggers (a connection pool). */
export interface SharedResource {
  close(): Promise<void> | void;
}

/** An MQTT broker to connect to: URL and optional credentials. */
export interface MqttEndpoint {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
}

/** Enables and disables the triggers of flows: the hub's, whose flows it keeps, and an agent's own, which it tells the hub of. */
export interface TriggerSwitch {
  /**
   * Disables the trigger (or enables it again) and makes it durable; throws a TernError naming what is
   * missing. `by`: the execution whose task asks.
   */
  setDisabled(
    namespace: string,
    flowId: string,
    triggerId: string,
    disabled: boolean,
    by?: { executionId: string },
  ): Promise<void>;
}

/**
 * What the process running a plugin offers beyond the flow: resources shared
 * across executions, and the endpoints a plugin uses when a flow names none.
 */
export interface PluginHost {
  /** The MQTT broker for a flow that names no `server`: the agent's local broker; none on the hub. */
  readonly mqtt: MqttEndpoint | undefined;
  /** Triggers of stored flows, on the hub; undefined where flows come from elsewhere (an agent, `tern run`). */
  readonly triggers: TriggerSwitch | undefined;
  /**
   * One instance per `key` for the runtime's life, made by `create` on first
   * use and closed when the runtime stops.
   *
   * @example const pool = ctx.host.shared('mqtt.connections', () => new ConnectionPool());
   */
  shared<R extends SharedResource>(key: string, create: () => R): R;
  /**
   * Calls `listener` with every execution that ends or pauses from now on
   * (the transitions Kestra's Flow trigger reacts to by default): those of
   * this runtime and, on the hub, those its agents report. Returns the
   * unsubscribe function.
   */
  onExecutionEndOrPause(listener: (execution: Execution) => void): () => void;
}

/** The states `execution.exit` can end an execution in (Kestra's ExitState). */
export type ExitState = 'SUCCESS' | 'WARNING' | 'FAILED' | 'KILLED' | 'CANCELLED';

/** What a task can do to the running execution, and to others of its runtime, beyond its own outputs. */
export interface ExecutionControl {
  /** Adds labels to the running execution, replacing those of the same key; stored at once. */
  addLabels(labels: Record<string, string>): void;
  /** The running execution's variables (`{{ vars }}`) now: a copy, to change and give to {@link replaceVariables}. */
  variables(): Record<string, unknown>;
  /** Replaces the running execution's variables: what `{{ vars }}` reads from the next task on; stored at once. */
  replaceVariables(variables: Record<string, unknown>): void;
  /**
   * Ends the running execution in `state` once the calling task ends: no
   * further task starts, nor `errors` or `finally`; KILLED kills what runs.
   */
  exit(state: ExitState): void;
  /**
   * Resumes the paused tasks of an execution run by this runtime, with
   * `inputs` for their `onResume` (InputValidationError when they do not
   * fit); false when it runs none such.
   */
  resume(executionId: string, inputs?: Record<string, unknown>): boolean;
  /** Every log line of an execution stored by this runtime, oldest first (the running one's included). */
  logs(executionId: string): Promise<LogLine[]>;
  /** Removes ended executions stored by this runtime, or their logs or files, as `request` says. */
  purge(request: PurgeRequest): Promise<PurgeCounts>;
}

/** Everything a task's `run` can use. */
export interface TaskContext {
  readonly execution: {
    readonly id: string;
    readonly namespace: string;
    readonly flowId: string;
    readonly flowRevision: number;
    readonly originalId: string;
  };
  readonly taskRun: {
    readonly id: string;
    readonly taskId: string;
    readonly type: string;
    /** 1 for the first attempt. */
    readonly attempt: number;
    readonly value: string | null;
    readonly iteration: number | null;
    /** Outputs stored so far: after a restart, those the task published before it (`publishOutputs`). */
    readonly outputs?: Readonly<Record<string, unknown>>;
  };
  readonly agent: { readonly id: string; readonly labels: Record<string, string> } | null;
  readonly logger: TaskLogger;
  /** Aborted on timeout or kill; long work must stop when it fires. */
  readonly signal: AbortSignal;
  readonly kv: KvStore;
  readonly storage: FileStorage;
  /** The namespace files of this runtime (the hub's, or those synced to the agent). */
  readonly namespaceFiles: NamespaceFileStore;
  readonly host: PluginHost;
  /** Labels, early exit, resuming and logs of executions. */
  readonly executions: ExecutionControl;
  /** Creates (once per attempt) and returns a private working directory. */
  workingDir(): Promise<string>;
  secret(name: string): string | undefined;
  /** Renders a raw value in this task's expression scope. */
  render(value: unknown, extraVariables?: Record<string, unknown>): unknown;
  /**
   * Renders a template to text in this task's expression scope, as Kestra
   * renders a `Property<String>`: a single `{{ … }}` is printed (`3`,
   * `[1,"a"]`), not returned typed.
   */
  renderText(template: string): string;
  /**
   * Makes `outputs` this task's outputs now, while it runs, so that its
   * children see them (a loop's `iterationCount`); what `run` returns still
   * replaces them at the end.
   */
  publishOutputs(outputs: Record<string, unknown>): void;
  /** Runs child tasks (flowable tasks only) and returns their merged state. */
  runTasks(tasks: readonly Task[], options?: RunTasksOptions): Promise<State>;
  /**
   * Runs one iteration of Kestra's `Loop`: its tasks see `item`, and read
   * the outputs of the loop's tasks as this iteration's own.
   */
  runIteration(tasks: readonly Task[], iteration: LoopIteration): Promise<IterationResult>;
  /** Starts another flow's execution, waiting for it unless `wait: false`. */
  runSubflow(request: SubflowRequest): Promise<SubflowResult>;
  /**
   * Waits until `until` (epoch ms) or until the execution is resumed
   * (without `until`, only then); survives restarts.
   */
  pause(until?: number): Promise<PauseOutcome>;
  /**
   * Runs, within this attempt, the runnable task that the YAML `spec`
   * describes (checked as a flow's task is) and gives its result: its
   * outputs become this task's.
   */
  runTaskSpec(spec: string): Promise<TaskResult | undefined>;
}

/** How a pause ended: resumed (with the `onResume` inputs given), or its time ran out. */
export interface PauseOutcome {
  resumed: boolean;
  inputs?: Record<string, unknown>;
  /** The reviewer's decision, when an approval was approved or denied rather than plainly resumed. */
  review?: Review;
}

/** A reviewer's decision on a paused approval. */
export interface Review {
  decision: 'APPROVED' | 'DENIED';
  comment?: string;
  /** Who decided, when known. */
  by?: string;
  /** When, ISO-8601. */
  on: string;
}

export interface TaskResult {
  outputs?: Record<string, unknown>;
  /** Defaults to SUCCESS; a task may end in WARNING or FAILED without throwing, or cancel its execution. */
  state?: 'SUCCESS' | 'WARNING' | 'FAILED' | 'CANCELLED';
}

export interface TaskExample {
  title: string;
  code: string;
}

/** One task type. Build it with {@link defineTask}. */
export interface TaskDefinition<P = Record<string, unknown>> {
  readonly kind: 'task';
  readonly type: string;
  readonly aliases: readonly string[];
  readonly title: string;
  readonly description: string;
  /** JSON Schema (object) of the plugin's own properties; common task properties are added by the registry. */
  readonly properties: TSchema;
  readonly outputs?: TSchema;
  /** Properties that hold nested tasks: not rendered, validated as task lists. */
  readonly children: readonly string[];
  /**
   * Properties the engine passes as written, expressions unrendered: the
   * plugin renders them itself with `ctx.render`, with variables of its own
   * (an item of a file, say).
   */
  readonly raw: readonly string[];
  readonly examples: readonly TaskExample[];
  /**
   * An attempt a restart interrupted runs again in place instead of counting
   * as failed: the task keeps what it started in its outputs and picks it up
   * (a subflow waits again for the execution it had started).
   */
  readonly resumable?: boolean;
  /**
   * The task reads its own `timeout` (an approval expires then): the engine
   * does not abort its attempt when the timeout runs out.
   */
  readonly ownsTimeout?: boolean;
  /** Checks the properties beyond the schema when a flow is validated (a `dag`'s dependencies). */
  check?(props: P): PropertyProblem[];
  /**
   * Outputs also shown under `<taskId><suffix>`, made from the task's own
   * outputs: Kestra shows some tasks' inner steps as tasks of their own
   * (`forEachItem`'s `<id>_items`, `<id>_merge`), and flows read them there.
   */
  siblingOutputs?(outputs: Record<string, unknown>): Record<string, Record<string, unknown>>;
  run(props: P, ctx: TaskContext): Promise<TaskResult | undefined> | TaskResult | undefined;
}

type TaskDefinitionInput<S extends TSchema> = {
  type: string;
  aliases?: readonly string[];
  title: string;
  description: string;
  properties: S;
  outputs?: TSchema;
  children?: readonly string[];
  raw?: readonly string[];
  examples?: readonly TaskExample[];
  resumable?: boolean;
  ownsTimeout?: boolean;
  check?(props: Static<S>): PropertyProblem[];
  siblingOutputs?(outputs: Record<string, unknown>): Record<string, Record<string, unknown>>;
  run(props: Static<S>, ctx: TaskContext): Promise<TaskResult | undefined> | TaskResult | undefined;
};

/**
 * Declares a task type: its schema is the single source for validation, the
 * flow JSON Schema, `/plugins` and the docs.
 *
 * @example
 * export default defineTask({
 *   type: 'log', aliases: ['io.kestra.plugin.core.log.Log'], title: 'Log',
 *   description: 'Writes a message to the execution log.',
 *   properties: T.Object({ message: T.String() }),
 *   run: (props, ctx) => { ctx.logger.info(props.message); return undefined; },
 * });
 */
export function defineTask<S extends TSchema>(def: TaskDefinitionInput<S>): TaskDefinition<Static<S>> {
  return {
    kind: 'task',
    aliases: [],
    children: [],
    raw: [],
    examples: [],
    ...def,
  };
}

/** Any task definition, whatever its property type: what registries and lists hold. */
// biome-ignore lint/suspicious/noExplicitAny: `run` is contravariant in its props; a list of definitions needs `any` here.
export type AnyTaskDefinition = TaskDefinition<any>;

/** Time as triggers see it; tests substitute a controllable clock. */
export interface PluginClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** A trigger's durable memory (schedule dates, payload hashes), kept per flow and trigger id. */
export interface TriggerState {
  get(key: string): unknown;
  /** Every key held, in no particular order. */
  keys(): string[];
  /** Stores a JSON value; `undefined` deletes the key. */
  set(key: string, value: unknown): void;
}

export interface FireOptions {
  /**
   * Durable deduplication: the event is dropped when `dedupeValue` is among the
   * last values fired under this key (e.g. a topic, and a payload's hash).
   */
  dedupeKey?: string;
  /** What identifies the event under `dedupeKey`; default '' (fire once per key). */
  dedupeValue?: string;
  /** false: remember the value under `dedupeKey` without dropping a repeat (a live message). Default true. */
  dropRepeat?: boolean;
}

/** An execution a trigger started. */
export interface FiredExecution {
  readonly executionId: string;
  /** A copy of the execution, taken when first read. */
  readonly execution: Execution;
  /** Resolves once the execution is durably stored (a consumer may then acknowledge its source). */
  stored(): Promise<void>;
  /** Resolves with the execution once it has ended. */
  ended(): Promise<Execution>;
}

/**
 * What became of one event: an execution started, or why none did —
 * `REFUSED` (the runtime takes no new execution now, or the trigger stops),
 * `SKIPPED` (a condition does not hold), `DUPLICATE` (already fired under
 * its dedupe key), `INVALID` (conditions, inputs or labels could not be
 * rendered, or the inputs do not fit the flow), `FAILED` (the engine could
 * not start it).
 */
export type FireOutcome =
  | { readonly kind: 'STARTED'; readonly fired: FiredExecution }
  | {
      readonly kind: 'REFUSED' | 'SKIPPED' | 'DUPLICATE' | 'INVALID' | 'FAILED';
      readonly reason: string;
      /** Structured details (the inputs' problems for INVALID). */
      readonly details?: unknown;
    };

/** Everything a trigger's `start` can use. */
export interface TriggerContext {
  readonly flow: { readonly namespace: string; readonly id: string; readonly revision: number };
  readonly trigger: { readonly id: string; readonly type: string };
  readonly agent: { readonly id: string; readonly labels: Record<string, string> } | null;
  /** Diagnostic log of the runtime, tagged with the flow and trigger. */
  readonly logger: TaskLogger;
  /** Aborted when the trigger is stopped. */
  readonly signal: AbortSignal;
  readonly clock: PluginClock;
  readonly state: TriggerState;
  readonly host: PluginHost;
  /** Renders a value with `flow`, `agent`, `labels` and the expression functions (`secret`, `kv`). */
  render(value: unknown, extraVariables?: Record<string, unknown>): unknown;
  /** Evaluates an expression, bare (`trigger.value > 3`) or as one `{{ … }}`, in the same scope as `render`. */
  evaluate(expression: string, extraVariables?: Record<string, unknown>): unknown;
  /** Executions of this flow not yet ended in this runtime, whatever started them. */
  activeExecutions(): number;
  /** Resolves once no execution of this flow is running or queued in this runtime. */
  flowIdle(): Promise<void>;
  /**
   * Starts an execution with `variables` as `trigger.*`, once the trigger's
   * `conditions` hold and the runtime accepts new executions; resolves with
   * it, or with undefined when nothing was started (the reason is logged).
   */
  fire(variables: Record<string, unknown>, options?: FireOptions): Promise<FiredExecution | undefined>;
  /** Like {@link fire}, saying what became of the event (a webhook answers accordingly). */
  tryFire(variables: Record<string, unknown>, options?: FireOptions): Promise<FireOutcome>;
  /**
   * Undefined when the runtime's trigger queue takes an event now; else
   * resolves once it does. A source that can hold back its producer (an MQTT
   * subscription, a Kafka consumer) waits on it before taking the next event,
   * so that a storm waits upstream instead of in memory. Under the `drop`
   * policy it is always undefined: events that find the queue full are dropped
   * and counted.
   */
  room(): Promise<void> | undefined;
  /** When the trigger fires next (ms since the epoch), shown in its status; undefined when nothing is planned. */
  setNext(next: number | undefined): void;
}

/** What `start` returns: how to stop the trigger. */
export interface TriggerHandle {
  stop(): Promise<void> | void;
}

/** A problem a trigger finds in its own properties, beyond the schema (e.g. a cron expression). */
export interface PropertyProblem {
  /** Property name (or dotted path) inside the trigger. */
  path: string;
  message: string;
}

/** Where a trigger's properties are being checked. */
export interface PropertyCheckContext {
  /**
   * True when the flow is being written (the hub's API, `tern validate`,
   * `tern deploy`); false when a stored or assigned flow is read again. A rule
   * tightened after flows were stored checks only then, so that those flows
   * keep loading (the trigger refuses to act on them at run time instead).
   */
  saving: boolean;
}

/** One trigger type. Build it with {@link defineTrigger}. */
export interface TriggerDefinition<P = Record<string, unknown>> {
  readonly kind: 'trigger';
  readonly type: string;
  readonly aliases: readonly string[];
  readonly title: string;
  readonly description: string;
  /** JSON Schema (object) of the plugin's own properties; common trigger properties are added by the registry. */
  readonly properties: TSchema;
  /** JSON Schema of the `trigger.*` variables an execution receives (for docs). */
  readonly variables?: TSchema;
  /**
   * Properties handed to `start` as written, not rendered: expressions the
   * trigger evaluates per event (an `interval` trigger's `condition`).
   */
  readonly raw: readonly string[];
  readonly examples: readonly TaskExample[];
  /** Checks the literal properties (templated values are skipped) when a flow is validated. */
  check?(props: P, context: PropertyCheckContext): PropertyProblem[];
  start(props: P, ctx: TriggerContext): Promise<TriggerHandle> | TriggerHandle;
}

type TriggerDefinitionInput<S extends TSchema> = {
  type: string;
  aliases?: readonly string[];
  title: string;
  description: string;
  properties: S;
  variables?: TSchema;
  raw?: readonly string[];
  examples?: readonly TaskExample[];
  check?(props: Static<S>, context: PropertyCheckContext): PropertyProblem[];
  start(props: Static<S>, ctx: TriggerContext): Promise<TriggerHandle> | TriggerHandle;
};

/**
 * Declares a trigger type: like a task, its schema is the single source for
 * validation and docs; `start` runs where the flow runs and fires executions.
 *
 * @example
 * export default defineTrigger({
 *   type: 'tick', title: 'Tick', description: 'Fires every `seconds`.',
 *   properties: T.Object({ seconds: T.Number() }),
 *   start(props, ctx) {
 *     const timer = setInterval(() => void ctx.fire({ at: ctx.clock.now() }), props.seconds * 1000);
 *     return { stop: () => clearInterval(timer) };
 *   },
 * });
 */
export function defineTrigger<S extends TSchema>(
  def: TriggerDefinitionInput<S>,
): TriggerDefinition<Static<S>> {
  return { kind: 'trigger', aliases: [], raw: [], examples: [], ...def };
}

/** Any trigger definition, whatever its property type. */
// biome-ignore lint/suspicious/noExplicitAny: `start` is contravariant in its props, as `run` is for tasks.
export type AnyTriggerDefinition = TriggerDefinition<any>;
