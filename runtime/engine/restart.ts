/**
 * What restart and replay keep of an ended execution. Both work on stored
 * task runs and then let the ordinary walk do the rest: resume, restart and
 * replay share one code path.
 */
import type { Execution, TaskRun } from '../../protocol/execution.js';
import type { Flow } from '../../protocol/flow.js';
import { newId } from '../../protocol/ids.js';
import { isFailure } from '../../protocol/states.js';

function descendants(roots: Iterable<string>, taskRuns: readonly TaskRun[]): Set<string> {
  const out = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const tr of taskRuns) {
      if (tr.parentTaskRunId && out.has(tr.parentTaskRunId) && !out.has(tr.id)) {
        out.add(tr.id);
        grew = true;
      }
    }
  }
  return out;
}

export interface RestartPlan {
  /** Task runs kept, the failed ones (and their flowable ancestors) reset to run again. */
  keep: TaskRun[];
  /** Task runs of the `errors`, `finally`, listener and `afterExecution` stages: they run again from scratch. */
  drop: string[];
}

/**
 * Restart: failed or killed task runs of the main stage, and the flowable
 * runs above them, go back to CREATED with a fresh retry budget; the
 * `errors`, `finally`, listener and `afterExecution` stages are dropped to run again.
 */
export function planRestart(flow: Flow, taskRuns: readonly TaskRun[]): RestartPlan {
  const stageIds = new Set(
    [
      ...(flow.errors ?? []),
      ...(flow.finally ?? []),
      ...(flow.listeners ?? []).flatMap((l) => l.tasks),
      ...(flow.afterExecution ?? []),
    ].map((t) => t.id),
  );
  const drop = descendants(
    taskRuns.filter((tr) => tr.parentTaskRunId === null && stageIds.has(tr.taskId)).map((tr) => tr.id),
    taskRuns,
  );
  const byId = new Map(taskRuns.map((tr) => [tr.id, tr]));
  const reset = new Set<string>();
  for (const tr of taskRuns) {
    if (drop.has(tr.id) || !isFailure(tr.state)) continue;
    for (
      let cur: TaskRun | undefined = tr;
      cur;
      cur = cur.parentTaskRunId ? byId.get(cur.parentTaskRunId) : undefined
    ) {
      reset.add(cur.id);
    }
  }
  const keep = taskRuns
    .filter((tr) => !drop.has(tr.id))
    .map((tr) =>
      reset.has(tr.id)
        ? {
            ...tr,
            state: 'CREATED' as const,
            error: undefined,
            endDate: undefined,
            resumeAt: undefined,
            retryBase: tr.attempts.length,
          }
        : tr,
    );
  return { keep, drop: [...drop] };
}

/**
 * Replay from `fromTaskId`: the task runs of the top-level tasks before the
 * one that holds `fromTaskId` are copied (with new ids) into the new
 * execution, everything from there on runs again. Without `fromTaskId`
 * nothing is copied. Throws when the task is not in the flow.
 */
export function planReplay(
  flow: Flow,
  source: Execution,
  taskRuns: readonly TaskRun[],
  fromTaskId: string | undefined,
  newExecutionId: string,
): TaskRun[] {
  if (fromTaskId === undefined) return [];
  const index = flow.tasks.findIndex((t) => containsTask(t, fromTaskId));
  if (index < 0)
    throw new Error(`task '${fromTaskId}' is not among the tasks of ${source.namespace}.${source.flowId}`);
  const before = new Set(flow.tasks.slice(0, index).map((t) => t.id));
  const roots = taskRuns
    .filter((tr) => tr.parentTaskRunId === null && before.has(tr.taskId))
    .map((tr) => tr.id);
  const copied = descendants(roots, taskRuns);
  const ids = new Map([...copied].map((id) => [id, newId()]));
  return taskRuns
    .filter((tr) => copied.has(tr.id))
    .map((tr) => ({
      ...tr,
      id: ids.get(tr.id)!,
      executionId: newExecutionId,
      parentTaskRunId: tr.parentTaskRunId ? (ids.get(tr.parentTaskRunId) ?? null) : null,
    }));
}

/** True when `task` is `taskId` or holds it somewhere among its nested tasks. */
function containsTask(task: unknown, taskId: string): boolean {
  if (Array.isArray(task)) return task.some((t) => containsTask(t, taskId));
  if (typeof task !== 'object' || task === null) return false;
  const t = task as Record<string, unknown>;
  if (t.id === taskId && typeof t.type === 'string') return true;
  return Object.values(t).some((v) => typeof v === 'object' && v !== null && containsTask(v, taskId));
}
