/** Ingest: an agent's events batch checked record by record, stored once by seq in one transaction, then acknowledged. */

import type { Logger } from '../../agent/engine/ports.js';
import { type Execution, LOG_LEVELS, type LogLine, type TaskRun } from '../../protocol/execution.js';
import { capLogLine } from '../../protocol/log-cap.js';
import type { CommandResult, EventRecord } from '../../protocol/messages.js';
import { STATES } from '../../protocol/states.js';
import type { IngestRecord, IngestResult, SyncRepository } from '../store/types.js';
import type { FleetMetrics } from './metrics.js';

export interface IngestOptions {
  sync: SyncRepository;
  metrics: FleetMetrics;
  logger: Logger;
  /** Publishes `ack {seq}` to the agent. */
  ack(agentId: string, seq: number): Promise<void>;
  /** Told about what each batch stored, after the commit (live followers, command bookkeeping). */
  onStored?(agentId: string, result: IngestResult): void;
}

/**
 * Stores a batch and then acks the agent's high-water mark. Records that
 * cannot be stored (a placeholder for a record too large to send, or one
 * that lacks the fields its kind needs) are logged and skipped, but their
 * seq still counts: otherwise the agent would send them for ever.
 */
export async function ingestBatch(
  options: IngestOptions,
  agentId: string,
  records: readonly EventRecord[],
): Promise<IngestResult> {
  const checked = records.map((r) => checkRecord(r));
  const skipped = checked.filter((r) => r.kind === 'skipped');
  if (skipped.length > 0)
    options.logger.warn(
      { agentId, seqs: skipped.map((r) => r.seq).slice(0, 10), count: skipped.length },
      'agent records not stored: placeholders for oversized records, or missing fields',
    );
  const result = await options.sync.ingest(agentId, checked);
  options.metrics.duplicateRecords(result.duplicates);
  options.metrics.recordsIngested('execution', result.executions.length);
  options.metrics.recordsIngested('taskRun', result.taskRuns.length);
  options.metrics.recordsIngested('log', result.logs.length);
  options.metrics.recordsIngested('command', result.commands.length);
  options.onStored?.(agentId, result);
  await options.ack(agentId, result.lastSeq);
  return result;
}

/** The record typed by its kind, or `skipped` when its data cannot be stored as that kind. */
export function checkRecord(record: EventRecord): IngestRecord {
  const { seq, data } = record;
  if (data.tooLarge === true) return { seq, kind: 'skipped' };
  switch (record.kind) {
    case 'execution':
      return isExecution(data) ? { seq, kind: 'execution', data } : { seq, kind: 'skipped' };
    case 'taskRun':
      return isTaskRun(data) ? { seq, kind: 'taskRun', data } : { seq, kind: 'skipped' };
    case 'log':
      // An agent's own cap may be larger, or missing: the hub keeps lines within its own.
      return isLogLine(data) ? { seq, kind: 'log', data: capLogLine(data) } : { seq, kind: 'skipped' };
    case 'command':
      return isCommandResult(data) ? { seq, kind: 'command', data } : { seq, kind: 'skipped' };
    case 'taskRunDeleted':
      return isString(data.id)
        ? { seq, kind: 'taskRunDeleted', data: { id: data.id } }
        : { seq, kind: 'skipped' };
    default:
      return { seq, kind: 'skipped' };
  }
}

const STATE_SET: ReadonlySet<string> = new Set(STATES);
const LEVEL_SET: ReadonlySet<string> = new Set(LOG_LEVELS);

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isDate = (v: unknown): boolean => typeof v === 'string' && !Number.isNaN(Date.parse(v));
const isOptionalDate = (v: unknown): boolean => v === undefined || v === null || isDate(v);
const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);

// Only what the tables' columns need is checked: the rest of the record is kept as the agent sent it.

function isExecution(d: Record<string, unknown>): d is Record<string, unknown> & Execution {
  return (
    isString(d.id) &&
    isString(d.namespace) &&
    isString(d.flowId) &&
    Number.isInteger(d.flowRevision) &&
    STATE_SET.has(d.state as string) &&
    isDate(d.startDate) &&
    isOptionalDate(d.endDate) &&
    (d.labels === undefined || isObject(d.labels))
  );
}

function isTaskRun(d: Record<string, unknown>): d is Record<string, unknown> & TaskRun {
  return isString(d.id) && isString(d.executionId) && STATE_SET.has(d.state as string);
}

function isLogLine(d: Record<string, unknown>): d is Record<string, unknown> & LogLine {
  return (
    isString(d.executionId) &&
    LEVEL_SET.has(d.level as string) &&
    typeof d.message === 'string' &&
    isDate(d.timestamp)
  );
}

function isCommandResult(d: Record<string, unknown>): d is Record<string, unknown> & CommandResult {
  return isString(d.commandId) && typeof d.ok === 'boolean';
}
