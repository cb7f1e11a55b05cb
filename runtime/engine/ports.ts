/**
 * The engine's ports: storage, clock, logger and flow lookup. The agent wires
 * SQLite behind them, the hub PostgreSQL, tests whatever they need.
 */
import type { Execution, LogLine, PurgeCounts, PurgeRequest, TaskRun } from '../../protocol/execution.js';
import type { Flow } from '../../protocol/flow.js';
import type { FileStorage, KvStore, NamespaceFileStore } from '../../protocol/plugin.js';
import type { State } from '../../protocol/states.js';

export type { PurgeCounts, PurgeRequest };

/**
 * Durable record of executions. Writes are queued and applied in order (a
 * store may group them into one transaction); `flush` resolves once everything
 * queued so far is durable.
 */
export interface ExecutionStore {
  saveExecution(execution: Execution): void;
  saveTaskRun(taskRun: TaskRun): void;
  appendLog(line: LogLine): void;
  /** Queues the removal of task runs (a restart runs `errors` and `finally` afresh). */
  deleteTaskRuns(ids: readonly string[]): void;
  flush(): Promise<void>;
  getExecution(id: string): Promise<{ execution: Execution; taskRuns: TaskRun[] } | undefined>;
  /** Executions in any of the given states, oldest first. */
  listExecutionsByState(states: readonly State[]): Promise<Execution[]>;
  listLogs(executionId: string): Promise<LogLine[]>;
  /** Removes ended executions, or their logs or files, as `request` says; gives what it removed. */
  purgeExecutions(request: PurgeRequest): Promise<PurgeCounts>;
  readonly kv: KvStore;
  readonly files: FileStorage;
  /** Files kept per namespace: `namespaceFiles` on script tasks, `read()` in expressions, the namespace.* tasks. */
  readonly namespaceFiles: NamespaceFileStore;
}

/** Time source; tests substitute a controllable one. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** A validated flow together with its source revision. */
export interface FlowRecord {
  flow: Flow;
  revision: number;
}

/** Finds flows for subflows and for resuming executions after a restart. */
export interface FlowSource {
  /** Without `revision`, the latest. May answer synchronously (files) or not (a database). */
  getFlow(
    namespace: string,
    id: string,
    revision?: number,
  ): FlowRecord | undefined | Promise<FlowRecord | undefined>;
}

/**
 * Secrets visible to `secret()`; undefined when unknown. `namespace` is the
 * flow's: a source with namespaced secrets looks there, then in each parent
 * namespace, then among global ones; an agent's source has global ones only.
 */
export interface SecretSource {
  get(name: string, namespace?: string): string | undefined;
  /**
   * Every value `get` could give a flow of `namespace`. A value an execution
   * reads back from the KV store is checked against them, and masked where it
   * holds one. Without it, only what `secret()` handed out is masked.
   */
  visibleValues?(namespace?: string): Iterable<string>;
}
