/** The one JSON object `tern run --json` prints: the execution, its labels and outputs, each task run and why it failed. */
import type { Execution, TaskRun } from '../../protocol/execution.js';
import { isFailure } from '../../protocol/states.js';

/**
 * The execution as `tern run --json` describes it. A failure is never
 * silent: the execution's `error` and each failed task run's `error` are
 * there (an expression error names its expression in the message).
 */
export function runJson(execution: Execution, taskRuns: readonly TaskRun[]): Record<string, unknown> {
  return {
    id: execution.id,
    namespace: execution.namespace,
    flowId: execution.flowId,
    state: execution.state,
    labels: execution.labels,
    // Kestra's execution has no outputs (null) unless its flow gave some: none declared, failed, or all optional and left out.
    outputs: Object.keys(execution.outputs).length > 0 ? execution.outputs : null,
    ...(execution.error !== undefined ? { error: execution.error } : {}),
    ...(execution.originalId !== execution.id ? { originalId: execution.originalId } : {}),
    taskRuns: taskRuns.map((tr) => ({
      taskId: tr.taskId,
      state: tr.state,
      attempts: tr.attempts.length,
      value: tr.value,
      outputs: tr.outputs,
      ...(tr.error !== undefined && (isFailure(tr.state) || tr.state === 'WARNING')
        ? { error: tr.error }
        : {}),
    })),
  };
}
