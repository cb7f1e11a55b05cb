/** Executions, task runs and log lines: the records an engine produces. */
import type { State } from './states.js';

export interface Attempt {
  state: State;
  startDate: string;
  endDate?: string;
  /** Why the attempt failed, when it did. */
  error?: string;
}

export interface TaskRun {
  id: string;
  executionId: string;
  taskId: string;
  /** The enclosing flowable task run, if any. */
  parentTaskRunId: string | null;
  /** The value of the enclosing `foreach` iteration, or null. */
  value: string | null;
  /** Values of every enclosing `foreach`, outermost first (how outputs are keyed). */
  valuePath: string[];
  iteration: number | null;
  state: State;
  attempts: Attempt[];
  outputs: Record<string, unknown>;
  startDate: string;
  endDate?: string;
  /** Attempts made before the execution was last restarted; the retry policy counts from there. */
  retryBase?: number;
  /** Earliest time a paused or retrying task run resumes, ISO-8601. */
  resumeAt?: string;
  error?: string;
}

export interface Execution {
  id: string;
  namespace: string;
  flowId: string;
  flowRevision: number;
  state: State;
  /** As stored: the value of a `SECRET` input, or a secret passed by a parent execution, masked. */
  inputs: Record<string, unknown>;
  /**
   * Inputs whose stored value is masked. Their real values live only in the
   * memory of the process running the execution: it cannot be resumed after
   * a restart, restarted or replayed.
   */
  secretInputs?: string[];
  outputs: Record<string, unknown>;
  labels: Record<string, string>;
  variables?: Record<string, unknown>;
  trigger: Record<string, unknown> | null;
  /** The execution this one replays or retries (the first of the chain), or its own id. */
  originalId: string;
  /** With `retry.behavior: CREATE_NEW_EXECUTION`: which attempt this execution is, from 1 (Kestra's metadata.attemptNumber). */
  attemptNumber?: number;
  parentExecutionId?: string | null;
  /** Agent that ran it; null on the hub. */
  agentId: string | null;
  startDate: string;
  /** Kestra's `scheduleDate`: the execution stays CREATED until then (a subflow scheduled for later), ISO-8601. */
  scheduleDate?: string;
  endDate?: string;
  /** When it last paused, ISO-8601: each pause of one execution is a new event (a `flow` trigger on PAUSED fires for each). */
  pausedAt?: string;
  /** Which stage of the execution runs: main tasks, then `errors`, then `finally`. */
  stage?: 'tasks' | 'errors' | 'finally' | 'done';
  error?: string;
}

export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
export const LOG_LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

export interface LogLine {
  executionId: string;
  taskRunId: string | null;
  taskId: string | null;
  attempt: number | null;
  level: LogLevel;
  message: string;
  timestamp: string;
}

/**
 * Which ended executions to purge, and what of them (Kestra's PurgeExecutions).
 * An execution that has not ended is never purged.
 */
export interface PurgeRequest {
  /** With `flowId`, that flow's namespace; without, the namespace and its sub-namespaces; none: all. */
  namespace?: string;
  flowId?: string;
  /** Executions started at or after this instant (ISO-8601). */
  startDate?: string;
  /** Executions started at or before this instant (ISO-8601). */
  endDate: string;
  /** Only executions in these states; every ended state when absent. */
  states?: readonly State[];
  /** Remove the executions and their task runs. */
  executions: boolean;
  /** Remove their log lines. */
  logs: boolean;
  /** Remove their stored files. */
  storage: boolean;
}

/** What a purge removed. */
export interface PurgeCounts {
  executionsCount: number;
  logsCount: number;
  storagesCount: number;
}
