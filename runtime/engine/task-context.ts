/**
 * The TaskContext a plugin's `run` receives for one attempt. A class rather
 * than an object of closures: one is made per attempt, thousands a second.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TaskError } from '../../protocol/errors.js';
import type { LogLevel, TaskRun } from '../../protocol/execution.js';
import type { Task } from '../../protocol/flow.js';
import type {
  ExecutionControl,
  FileStorage,
  IterationResult,
  KvStore,
  LoopIteration,
  NamespaceFileStore,
  PauseOutcome,
  PluginHost,
  RunTasksOptions,
  SubflowRequest,
  SubflowResult,
  TaskContext,
  TaskLogger,
  TaskResult,
} from '../../protocol/plugin.js';
import type { State } from '../../protocol/states.js';
import type { RenderBounds } from '../expr/index.js';
import { namedTypes } from '../flow-types.js';
import type { Abort } from './abort.js';
import type { EngineCore } from './engine-core.js';
import type { ExecutionRun, Scope } from './execution-run.js';
import type { SecretMask } from './secret-mask.js';
import { taskFromSpec } from './task-spec.js';

const LEVEL_RANK: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

export interface TaskContextParts {
  run: ExecutionRun;
  core: EngineCore;
  taskRun: TaskRun;
  task: Task;
  attempt: number;
  scope: Scope;
  abort: Abort;
  /** What stops the attempt's renders: its deadline and its abort. */
  bounds: RenderBounds;
  variables: Record<string, unknown>;
}

class AttemptLogger implements TaskLogger {
  constructor(
    private readonly run: ExecutionRun,
    private readonly core: EngineCore,
    private readonly tr: TaskRun,
    private readonly attempt: number,
    private readonly minLevel: number,
    private readonly secrets: SecretMask,
  ) {}

  log(level: LogLevel, message: string): void {
    if (LEVEL_RANK[level] < this.minLevel) return;
    this.run.emit({
      executionId: this.tr.executionId,
      taskRunId: this.tr.id,
      taskId: this.tr.taskId,
      attempt: this.attempt,
      level,
      message: this.secrets.text(message),
      timestamp: this.core.nowIso(),
    });
  }
  debug(message: string): void {
    this.log('DEBUG', message);
  }
  info(message: string): void {
    this.log('INFO', message);
  }
  warn(message: string): void {
    this.log('WARN', message);
  }
  error(message: string): void {
    this.log('ERROR', message);
  }
}

/** A task context plus the cleanup the engine runs after the attempt. */
export class EngineTaskContext implements TaskContext {
  readonly execution: TaskContext['execution'];
  readonly taskRun: TaskContext['taskRun'];
  readonly agent: TaskContext['agent'];
  readonly logger: TaskLogger;
  readonly storage: FileStorage;
  readonly namespaceFiles: NamespaceFileStore;
  readonly host: PluginHost;
  private dir: string | undefined;
  /** The folder's creation, shared by calls that come before it ends (a loop's iterations do). */
  private made: Promise<string> | undefined;

  constructor(private readonly parts: TaskContextParts) {
    const { run, core, taskRun: tr, task, attempt } = parts;
    const e = run.execution;
    this.execution = e;
    this.taskRun = {
      id: tr.id,
      taskId: tr.taskId,
      type: task.type,
      attempt,
      value: tr.value,
      iteration: tr.iteration,
      outputs: tr.outputs,
    };
    this.agent = core.agent;
    const level = String(task.logLevel ?? 'TRACE').toUpperCase() as LogLevel;
    this.logger = new AttemptLogger(run, core, tr, attempt, LEVEL_RANK[level] ?? 0, run.secrets);
    this.storage = core.store.files;
    this.namespaceFiles = core.store.namespaceFiles;
    this.host = core.host;
  }

  /** Made on first use (by the run, once per execution): most tasks never read it. */
  get kv(): KvStore {
    return this.parts.run.kv;
  }

  /** Made on first use: most tasks never read it. */
  get signal(): AbortSignal {
    return this.parts.abort.signal;
  }

  async workingDir(): Promise<string> {
    // Inside a `workingDirectory`, tasks share its folder; it removes the folder itself.
    const shared = this.parts.scope.workingDir;
    if (shared !== undefined) return shared;
    if (!this.made) {
      const { core, run, taskRun } = this.parts;
      const dir = attemptDir(core.workRoot, run.execution.id, taskRun.id, this.parts.attempt);
      this.dir = dir;
      this.made = mkdir(dir, { recursive: true }).then(() => dir);
    }
    return this.made;
  }

  /** Made on first use: few tasks act on executions. */
  get executions(): ExecutionControl {
    return this.parts.run.control(this.parts.taskRun);
  }

  secret(name: string): string | undefined {
    return this.parts.run.secret(name);
  }

  render(value: unknown, extra?: Record<string, unknown>): unknown {
    const { core, run, variables, bounds } = this.parts;
    const vars = extra ? { ...variables, ...extra } : variables;
    return core.renderer.render(value, vars, run.functions(), bounds);
  }

  renderText(template: string): string {
    const { core, run, variables, bounds } = this.parts;
    return core.renderer.renderText(template, variables, run.functions(), bounds);
  }

  runTasks(tasks: readonly Task[], options?: RunTasksOptions): Promise<State> {
    const { run, taskRun, scope, abort, bounds } = this.parts;
    return run.runChildren(taskRun, scope, abort, bounds.deadline, tasks, options);
  }

  runIteration(tasks: readonly Task[], iteration: LoopIteration): Promise<IterationResult> {
    const { run, taskRun, task, scope, abort, bounds } = this.parts;
    return run.runIteration(taskRun, task, scope, abort, bounds.deadline, tasks, iteration);
  }

  runSubflow(request: SubflowRequest): Promise<SubflowResult> {
    const { core, run, taskRun, abort } = this.parts;
    return core.runSubflow(run, taskRun, request, abort);
  }

  publishOutputs(outputs: Record<string, unknown>): void {
    this.parts.run.publishOutputs(this.parts.taskRun, outputs);
  }

  pause(until?: number): Promise<PauseOutcome> {
    const { run, taskRun, abort } = this.parts;
    return run.pause(taskRun, abort, until);
  }

  async runTaskSpec(spec: string): Promise<TaskResult | undefined> {
    const { core, run, taskRun } = this.parts;
    // A lazy registry (the agent's) has loaded only the types of its flows.
    await core.registry.load(namedTypes([spec]));
    const task = taskFromSpec(spec, taskRun.taskId, run.execution.namespace, core.registry, core.renderer);
    const def = core.registry.task(task.type);
    if (!def || def.children.length > 0) {
      throw new TaskError(
        `spec: '${task.type}' is a flowable task; a templated task must be a runnable one`,
        false,
      );
    }
    // Rendered again, as Kestra renders a templated task's properties when it runs.
    const { id: _id, type: _type, ...properties } = task;
    const props: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(properties))
      props[key] = def.raw.includes(key) ? value : this.render(value);
    return def.run(props, this);
  }

  /** Removes the attempt's working folder, if it made one; undefined (nothing to wait for) if not. */
  dispose(): Promise<void> | undefined {
    return this.dir === undefined ? undefined : rm(this.dir, { recursive: true, force: true });
  }
}

/** The working directory of one attempt of a task run (made on first use). */
export function attemptDir(
  workRoot: string,
  executionId: string,
  taskRunId: string,
  attempt: number,
): string {
  return join(workRoot, executionId, `${taskRunId}-${attempt}`);
}

export function createTaskContext(parts: TaskContextParts): EngineTaskContext {
  return new EngineTaskContext(parts);
}
