/** `errorLogs()`: an execution's ERROR log lines, shaped as Kestra's `LogEntry` so that flows read the same fields. */
import type { Execution, LogLine } from '../../protocol/execution.js';

/** One ERROR line as Kestra's `errorLogs()` gives it (a `LogEntry`; fields Tern does not have are left out). */
export interface ErrorLogEntry {
  namespace: string;
  flowId: string;
  taskId?: string;
  executionId: string;
  taskRunId?: string;
  attemptNumber?: number;
  timestamp: string;
  level: string;
  message: string;
}

/**
 * The entry of `line`, a line of `execution`. Kestra numbers attempts from 0; the line counts them from 1.
 *
 * @example errorLogEntry(execution, line).message // 'boom'
 */
export function errorLogEntry(execution: Execution, line: LogLine): ErrorLogEntry {
  return {
    namespace: execution.namespace,
    flowId: execution.flowId,
    ...(line.taskId === null ? {} : { taskId: line.taskId }),
    executionId: line.executionId,
    ...(line.taskRunId === null ? {} : { taskRunId: line.taskRunId }),
    ...(line.attempt === null ? {} : { attemptNumber: Math.max(0, line.attempt - 1) }),
    timestamp: line.timestamp,
    level: line.level,
    message: line.message,
  };
}
