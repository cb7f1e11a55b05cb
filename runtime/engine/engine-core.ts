/** What an execution run needs from its engine: the engine's internals, one interface. */

import type { Registry } from '../../plugins/registry.js';
import type { Execution, LogLine, TaskRun } from '../../protocol/execution.js';
import type { SubflowRequest, SubflowResult } from '../../protocol/plugin.js';
import type { Renderer } from '../expr/index.js';
import type { Abort } from './abort.js';
import type { ExecutionRun } from './execution-run.js';
import type { RuntimeHost } from './plugin-host.js';
import type { Clock, ExecutionStore, SecretSource } from './ports.js';
import type { ProcessVariables } from './process-variables.js';

export interface EngineCore {
  readonly store: ExecutionStore;
  readonly registry: Registry;
  readonly renderer: Renderer;
  readonly clock: Clock;
  readonly secrets: SecretSource;
  readonly agent: { id: string; labels: Record<string, string> } | null;
  /** Root of per-attempt working directories. */
  readonly workRoot: string;
  /** How long a task that ignores an abort is waited for. */
  readonly killGraceMs: number;
  readonly host: RuntimeHost;
  /** `envs` and `globals`, the same for every execution of the process. */
  readonly variables: ProcessVariables;
  durationMs(text: string): number;
  /** The clock's time as ISO-8601 (cached per millisecond: records are stamped very often). */
  nowIso(): string;
  saveExecution(execution: Execution): void;
  saveTaskRun(taskRun: TaskRun, execution: Execution): void;
  log(line: LogLine): void;
  /** Starts, after `delayMs`, the execution that retries an execution ended RETRIED. */
  retryInNewExecution(run: ExecutionRun, delayMs: number): void;
  /** Resumes the paused tasks of an execution this engine runs; false when it runs no such execution. */
  resume(executionId: string, inputs?: Record<string, unknown>): boolean;
  runSubflow(
    parent: ExecutionRun,
    taskRun: TaskRun,
    request: SubflowRequest,
    abort: Abort,
  ): Promise<SubflowResult>;
}
