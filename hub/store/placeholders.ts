/**
 * What is stored instead of a record the database refuses (or an agent record the hub cannot use), so
 * the refusal shows where the record would have been: a FAILED execution or task run with the reason, a
 * log line saying why, and the hub's notices on an execution's log.
 */
import type { Execution, LogLevel, LogLine, TaskRun } from '../../protocol/execution.js';
import { isInt32, isStorableDate } from './dates.js';
import { storableText } from './json.js';

/** Record fields as they arrived: from the engine they are typed, from an agent they may be anything. */
type Fields = Record<string, unknown>;

const text = (value: unknown, fallback: string): string =>
  typeof value === 'string' && value !== '' ? storableText(value) : fallback;
const textOrNull = (value: unknown): string | null =>
  typeof value === 'string' ? storableText(value) : null;

/**
 * The execution as a FAILED placeholder: its ids, flow and agent, its start date when storable, ended
 * `now`, and `error` saying why; inputs, outputs, labels and trigger are left out, since one of them
 * may be what the database refused.
 */
export function failedExecution(record: Fields, reason: string, now: string): Execution {
  const id = text(record.id, '');
  return {
    id,
    namespace: text(record.namespace, ''),
    flowId: text(record.flowId, ''),
    flowRevision: isInt32(record.flowRevision) ? record.flowRevision : 0,
    state: 'FAILED',
    inputs: {},
    outputs: {},
    labels: {},
    trigger: null,
    originalId: text(record.originalId, id),
    agentId: textOrNull(record.agentId),
    startDate: isStorableDate(record.startDate) ? record.startDate : now,
    endDate: now,
    error: `this execution's record could not be stored: ${reason}`,
  };
}

/** The task run as a FAILED placeholder: ids and task, no outputs, `error` saying why. */
export function failedTaskRun(record: Fields, reason: string, now: string): TaskRun {
  return {
    id: text(record.id, ''),
    executionId: text(record.executionId, ''),
    taskId: text(record.taskId, '(unknown task)'),
    parentTaskRunId: textOrNull(record.parentTaskRunId),
    value: null,
    valuePath: [],
    iteration: null,
    state: 'FAILED',
    attempts: [],
    outputs: {},
    startDate: isStorableDate(record.startDate) ? record.startDate : now,
    endDate: now,
    error: `this task run's record could not be stored: ${reason}`,
  };
}

/** An ERROR line in place of a log line that could not be stored, at its place in the execution's log. */
export function placeholderLine(record: Fields, reason: string, now: string): LogLine {
  return {
    executionId: text(record.executionId, ''),
    taskRunId: textOrNull(record.taskRunId),
    taskId: textOrNull(record.taskId),
    attempt: isInt32(record.attempt) ? record.attempt : null,
    level: 'ERROR',
    message: `[a log line could not be stored: ${reason}]`,
    timestamp: isStorableDate(record.timestamp) ? record.timestamp : now,
  };
}

/** A line the hub writes on an execution's log about the execution's records. */
export function noticeLine(executionId: string, level: LogLevel, message: string, now: string): LogLine {
  return { executionId, taskRunId: null, taskId: null, attempt: null, level, message, timestamp: now };
}

/** The WARN line telling that text in one of the execution's records was replaced (see `storableText`). */
export function replacedTextLine(executionId: string, what: string, places: string[], now: string): LogLine {
  return noticeLine(
    executionId,
    'WARN',
    `text the database cannot store (NUL, or a UTF-16 surrogate without its pair) was replaced with U+FFFD in ${what}, at ${places.join(', ')}`,
    now,
  );
}

/**
 * Keys of notices already written, so that a record saved many times gets its notice once per hub
 * process. Bounded: past `limit` keys it starts afresh (a notice may then come twice, never not at all).
 */
export class NoticesTold {
  private told = new Set<string>();

  constructor(private readonly limit = 10_000) {}

  has(key: string): boolean {
    return this.told.has(key);
  }

  /** Called once the notices are committed. */
  add(keys: Iterable<string>): void {
    for (const key of keys) {
      if (this.told.size >= this.limit) this.told = new Set();
      this.told.add(key);
    }
  }
}

/**
 * Collects the WARN lines for text replaced in one write's rows (see `rowsJson`), one per record not
 * told before: an execution and each task run once, the log lines of an execution once.
 */
export class ReplacedTextNotices {
  readonly lines: LogLine[] = [];
  /** Keys to hand to {@link NoticesTold.add} once the lines are committed. */
  readonly keys: string[] = [];

  constructor(
    private readonly told: NoticesTold,
    private readonly now: string,
  ) {}

  execution(row: { id: string }, places: string[]): void {
    this.add(`execution:${row.id}`, row.id, "the execution's record", docPlaces(places));
  }

  taskRun(row: { id: string; execution_id: string; doc: { taskId?: unknown } }, places: string[]): void {
    const what = `task run ${storableText(String(row.doc.taskId))} (${row.id})`;
    this.add(`taskRun:${row.id}`, row.execution_id, what, docPlaces(places));
  }

  log(row: { execution_id: string }, places: string[]): void {
    this.add(`log:${row.execution_id}`, row.execution_id, 'a log line', places);
  }

  private add(key: string, executionId: string, what: string, places: string[]): void {
    if (this.told.has(key) || this.keys.includes(key)) return;
    this.keys.push(key);
    this.lines.push(replacedTextLine(storableText(executionId), what, places, this.now));
  }
}

/** Places inside a row's `doc` (the record), without the row's copies of the same fields. */
function docPlaces(places: string[]): string[] {
  const inDoc = places.filter((p) => p.startsWith('doc.')).map((p) => p.slice(4));
  return inDoc.length > 0 ? inDoc : places;
}
