/** Builds the TaskContext a plugin's `run` receives for one attempt. */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogLevel, TaskRun } from '../../protocol/execution.js';
import type { Task } from '../../protocol/flow.js';
import type { TaskContext, TaskLogger } from '../../protocol/plugin.js';
import type { EngineCore } from './engine-core.js';
import type { ExecutionRun, Scope } from './execution-run.js';

const LEVEL_RANK: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

export interface TaskContextParts {
  run: ExecutionRun;
  core: EngineCore;
  taskRun: TaskRun;
  task: Task;
  attempt: number;
  scope: Scope;
  signal: AbortSignal;
  variables: Record<string, unknown>;
}

/** A task context plus the cleanup the engine runs after the attempt. */
export type EngineTaskContext = TaskContext & { dispose(): Promise<void> };

export function createTaskContext(parts: TaskContextParts): EngineTaskContext {
  const { run, core, taskRun: tr, task, attempt, scope, signal, variables } = parts;
  const e = run.execution;
  const minLevel = LEVEL_RANK[String(task.logLevel ?? 'TRACE').toUpperCase() as LogLevel] ?? 0;
  const log = (level: LogLevel, message: string) => {
    if (LEVEL_RANK[level] < minLevel) return;
    core.log({
      executionId: e.id,
      taskRunId: tr.id,
      taskId: tr.taskId,
      attempt,
      level,
      message,
      timestamp: new Date(core.clock.now()).toISOString(),
    });
  };
  const logger: TaskLogger = {
    log,
    debug: (m) => log('DEBUG', m),
    info: (m) => log('INFO', m),
    warn: (m) => log('WARN', m),
    error: (m) => log('ERROR', m),
  };
  let dir: string | undefined;
  const fns = core.functions(e);
  return {
    execution: {
      id: e.id,
      namespace: e.namespace,
      flowId: e.flowId,
      flowRevision: e.flowRevision,
      originalId: e.originalId,
    },
    taskRun: {
      id: tr.id,
      taskId: tr.taskId,
      type: task.type,
      attempt,
      value: tr.value,
      iteration: tr.iteration,
    },
    agent: core.agent,
    logger,
    signal,
    kv: core.store.kv,
    storage: core.store.files,
    async workingDir() {
      if (!dir) {
        dir = join(core.workRoot, e.id, `${tr.id}-${attempt}`);
        await mkdir(dir, { recursive: true });
      }
      return dir;
    },
    secret: (name) => core.secrets.get(name),
    render: (value, extra) =>
      core.renderer.render(value, extra ? { ...variables, ...extra } : variables, fns),
    runTasks: (tasks, options) => run.runChildren(tr, scope, signal, tasks, options),
    runSubflow: (request) => core.runSubflow(run, tr, request, signal),
    pause: (until) => run.pause(tr, signal, until),
    async dispose() {
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}
