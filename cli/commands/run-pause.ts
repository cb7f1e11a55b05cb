/** `tern run` and a Pause without a duration: noticing that the execution waits for a resume, and saying how to give it. */
import type { Execution } from '../../protocol/execution.js';
import { type Flow, findTask } from '../../protocol/flow.js';
import type { Engine } from '../../runtime/engine/engine.js';
import { onResumeInputs } from '../../runtime/engine/resume.js';

/** Where an execution stands when `tern run` stops waiting: ended, or paused until someone resumes it. */
export type RunStop = { ended: Execution } | { paused: Execution; taskIds: string[] };

/**
 * Waits for the execution to end, or to be paused by a task that waits for a
 * resume (a timed pause is waited out, and so is a pause of `flow` whose task
 * has a `timeout`: it fails when that runs out). An execution ended RETRIED is
 * followed by the one that retries it. Subscribe before the execution starts:
 * its first task may pause before `start` returns.
 */
export function watchPauses(
  engine: Engine,
  flow?: Flow,
): {
  until(executionId: string): Promise<RunStop>;
  /** Forgets the pauses seen so far of an execution just resumed: only those after count. */
  resumed(executionId: string): void;
  stop(): void;
} {
  /** Per execution, its task runs paused with no time to wake at. */
  const waiting = new Map<string, Map<string, string>>();
  const pausedNow = new Map<string, Execution>();
  const listeners = new Map<string, (stop: RunStop) => void>();
  /** Retries in a new execution, by `originalId#attemptNumber`; and who waits for one not started yet. */
  const attempts = new Map<string, string>();
  const awaited = new Map<string, (id: string) => void>();
  const attemptKey = (e: Execution, n = e.attemptNumber ?? 1) => `${e.originalId}#${n}`;
  const lists = flow ? [flow.tasks, flow.errors, flow.finally, flow.afterExecution] : [];
  const timedOut = (e: Execution, taskId: string) =>
    flow !== undefined &&
    e.flowId === flow.id &&
    e.namespace === flow.namespace &&
    findTask(lists, taskId)?.timeout !== undefined;
  const check = (e: Execution) => {
    if (e.attemptNumber !== undefined && !attempts.has(attemptKey(e))) {
      attempts.set(attemptKey(e), e.id);
      // Told as it is created, before the engine admits it: waiting for it must come after.
      const follow = awaited.get(attemptKey(e));
      if (follow) queueMicrotask(() => follow(e.id));
    }
    const tasks = waiting.get(e.id);
    if (e.state !== 'PAUSED' || !tasks || tasks.size === 0) {
      // Resumed since (or never paused): a pause seen earlier no longer stands.
      pausedNow.delete(e.id);
      return;
    }
    pausedNow.set(e.id, e);
    listeners.get(e.id)?.({ paused: e, taskIds: [...tasks.values()] });
  };
  const off = engine.on({
    taskRun(tr, e) {
      const tasks = waiting.get(e.id) ?? new Map<string, string>();
      waiting.set(e.id, tasks);
      if (tr.state === 'PAUSED' && !tr.resumeAt && !timedOut(e, tr.taskId)) tasks.set(tr.id, tr.taskId);
      else tasks.delete(tr.id);
    },
    execution: check,
  });
  return {
    until(executionId) {
      return new Promise<RunStop>((resolve) => {
        const follow = (id: string) => {
          listeners.set(id, resolve);
          const now = pausedNow.get(id);
          if (now) check(now);
          engine.wait(id).then(
            (ended) => {
              if (ended.state !== 'RETRIED') return resolve({ ended });
              const next = attemptKey(ended, (ended.attemptNumber ?? 1) + 1);
              const started = attempts.get(next);
              if (started) follow(started);
              else awaited.set(next, follow);
            },
            () => undefined,
          );
        };
        follow(executionId);
      });
    },
    resumed(executionId) {
      waiting.delete(executionId);
      pausedNow.delete(executionId);
    },
    stop: off,
  };
}

/** The lines `tern run` prints for a paused execution: where it waits and the command that resumes it. */
export function resumeHint(
  stop: { paused: Execution; taskIds: string[] },
  flow: Flow,
  command: { file: string; dataDir?: string },
): string[] {
  const { paused, taskIds } = stop;
  const inputs = onResumeInputs(flow, taskIds).map((input) => input.id);
  const args = [
    `tern run ${command.file}`,
    ...(command.dataDir ? [`--data-dir ${command.dataDir}`] : []),
    `--resume ${paused.id}`,
    ...inputs.map((name) => `--input ${name}=…`),
  ];
  return [
    `execution ${paused.id} is PAUSED at ${taskIds.map((t) => `'${t}'`).join(', ')}${inputs.length ? ` (onResume inputs: ${inputs.join(', ')})` : ''}`,
    `resume it with: ${args.join(' ')}`,
  ];
}
