/** `errorLogs()`: an execution's ERROR log lines, shaped as Kestra's `LogEntry` so that flows read the same fields. */
import type { Execution, LogLine } from '../../protocol/execution.js';

/** At most this many ERROR lines are kept for `errorLogs()`: the newest; every line stays in the execution's log. */
export const ERROR_LOGS_MAX_LINES = 100;

/** At most this many bytes of ERROR messages are kept for `errorLogs()` (the newest line is always kept). */
export const ERROR_LOGS_MAX_BYTES = 64 * 1024;

/**
 * The newest ERROR lines of an execution, bounded by {@link ERROR_LOGS_MAX_LINES} and
 * {@link ERROR_LOGS_MAX_BYTES}, so that a noisy execution cannot grow the engine's memory. Kestra reads
 * them from its log repository on each call; Tern keeps them in memory next to the running execution.
 *
 * @example lines.add(line); lines.entries(execution).length // ≤ 100
 */
export class ErrorLines {
  private lines: LogLine[] = [];
  private bytes = 0;

  /** Keeps `line` if it is an ERROR line, dropping the oldest beyond the bounds. */
  add(line: LogLine): void {
    if (line.level !== 'ERROR') return;
    this.lines.push(line);
    this.bytes += Buffer.byteLength(line.message);
    this.trim();
  }

  /** Puts the ERROR lines among `stored` (logged before a restart) ahead of those kept since. */
  addEarlier(stored: readonly LogLine[]): void {
    const since = this.lines;
    this.lines = [];
    this.bytes = 0;
    for (const line of [...stored, ...since]) this.add(line);
  }

  /** The kept lines as Kestra's entries, oldest first. */
  entries(execution: Execution): ErrorLogEntry[] {
    return this.lines.map((line) => errorLogEntry(execution, line));
  }

  private trim(): void {
    while (
      this.lines.length > ERROR_LOGS_MAX_LINES ||
      (this.bytes > ERROR_LOGS_MAX_BYTES && this.lines.length > 1)
    ) {
      const dropped = this.lines.shift() as LogLine;
      this.bytes -= Buffer.byteLength(dropped.message);
    }
  }
}

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
