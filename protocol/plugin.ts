/**
 * What a plugin sees: its definition shape and its run context. Plugins import
 * only from `protocol/`; the engine implements these interfaces.
 */
import { type Static, Type as T, type TSchema } from '@sinclair/typebox';
import type { LogLevel } from './execution.js';
import type { Task } from './flow.js';
import type { State } from './states.js';

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

/** Execution file storage: task output files become URIs other tasks can read. */
export interface FileStorage {
  /** Copies a local file into storage and returns its URI. */
  put(executionId: string, taskRunId: string, name: string, sourcePath: string): Promise<string>;
  /** True when `value` is a URI made by `put`. */
  isUri(value: string): boolean;
  /** The local path of a stored file. */
  localPath(uri: string): string;
}

export interface RunTasksOptions {
  /** Iteration value inside `foreach` (outputs are keyed by it). */
  value?: string;
  iteration?: number;
  /** How many child tasks run at once: 1 (default) runs them in order; 0 means no limit. */
  concurrency?: number;
}

export interface SubflowRequest {
  namespace: string;
  flowId: string;
  revision?: number;
  inputs?: Record<string, unknown>;
  labels?: Record<string, string>;
  wait?: boolean;
}

export interface SubflowResult {
  executionId: string;
  state: State;
  outputs: Record<string, unknown>;
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
  };
  readonly agent: { readonly id: string; readonly labels: Record<string, string> } | null;
  readonly logger: TaskLogger;
  /** Aborted on timeout or kill; long work must stop when it fires. */
  readonly signal: AbortSignal;
  readonly kv: KvStore;
  readonly storage: FileStorage;
  /** Creates (once per attempt) and returns a private working directory. */
  workingDir(): Promise<string>;
  secret(name: string): string | undefined;
  /** Renders a raw value in this task's expression scope. */
  render(value: unknown, extraVariables?: Record<string, unknown>): unknown;
  /** Runs child tasks (flowable tasks only) and returns their merged state. */
  runTasks(tasks: readonly Task[], options?: RunTasksOptions): Promise<State>;
  /** Starts another flow's execution, waiting for it unless `wait: false`. */
  runSubflow(request: SubflowRequest): Promise<SubflowResult>;
  /** Waits until `until` (epoch ms) or, without it, until the execution is resumed; survives restarts. */
  pause(until?: number): Promise<void>;
}

export interface TaskResult {
  outputs?: Record<string, unknown>;
  /** Defaults to SUCCESS; a task may end in WARNING or FAILED without throwing. */
  state?: 'SUCCESS' | 'WARNING' | 'FAILED';
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
  readonly examples: readonly TaskExample[];
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
  examples?: readonly TaskExample[];
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
    examples: [],
    ...def,
  };
}

/** Any task definition, whatever its property type: what registries and lists hold. */
// biome-ignore lint/suspicious/noExplicitAny: `run` is contravariant in its props; a list of definitions needs `any` here.
export type AnyTaskDefinition = TaskDefinition<any>;
