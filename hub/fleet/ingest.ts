/** Ingest: an agent's events batch checked record by record, stored once by seq, then acknowledged for exactly what was handled. */

import { LOG_LEVELS, type LogLine } from '../../protocol/execution.js';
import { capLogLine } from '../../protocol/log-cap.js';
import type { Logger } from '../../protocol/logger.js';
import type { EventRecord, Events, TriggerToggle } from '../../protocol/messages.js';
import { STATES } from '../../protocol/states.js';
import { isInt32, isStorableDate } from '../store/dates.js';
import type { IngestRecord, IngestResult, RecordNotStored, SyncRepository } from '../store/types.js';
import type { FleetMetrics } from './metrics.js';

export interface IngestOptions {
  sync: SyncRepository;
  metrics: FleetMetrics;
  logger: Logger;
  /** Publishes `ack {seq}` to the agent. */
  ack(agentId: string, seq: number): Promise<void>;
  /** Told about what each batch stored, after the commit (live followers, command bookkeeping). */
  onStored?(agentId: string, result: IngestResult): void;
  /** Applies a `triggerToggle` record to the hub's flow; throws, saying why, when it cannot. */
  toggle?(agentId: string, toggle: TriggerToggle): Promise<void>;
}

/** At most this many refused or placeholder records are listed in one log line. */
const LISTED = 10;

/**
 * Stores a batch, then acks its last seq: every record up to it is stored, stored as a placeholder
 * (a record the hub cannot store as sent), or refused (a record the agent may not report: logged and
 * counted, never stored). A batch that follows records the hub has not stored (an earlier batch
 * failed) is not stored, and the ack names only the hub's mark, so the agent sends everything after it
 * again. Nothing of a decommissioned or unknown agent is stored or acked, nor a batch of a new store of
 * the agent that the hub cannot place yet (`other-store`).
 */
export async function ingestBatch(
  options: IngestOptions,
  agentId: string,
  events: Events,
): Promise<IngestResult> {
  const { metrics, logger } = options;
  const records = events.records.map((r) => checkRecord(r));
  await applyToggles(options, agentId, events.after, records);
  const result = await options.sync.ingest(agentId, { store: events.store, after: events.after, records });
  if (result.outcome === 'other-store') {
    logger.warn(
      { agentId, store: events.store, after: events.after },
      'batch from a new store of the agent that follows records never received: nothing stored, not acked; its hello resets the mark',
    );
    return result;
  }
  if (result.storeReset)
    logger.warn({ agentId, store: events.store }, 'agent store was replaced; seq restarts');
  if (result.outcome === 'agent-gone') {
    metrics.recordsRefused('agent-gone', records.length);
    logger.warn(
      { agentId, count: records.length },
      'records from an agent that is decommissioned or not registered: refused, not acked',
    );
    return result;
  }
  if (result.outcome === 'gap') {
    logger.warn(
      { agentId, after: events.after, lastSeq: result.lastSeq },
      'batch follows records not stored yet: nothing stored; the agent sends them again',
    );
    await options.ack(agentId, result.lastSeq);
    return result;
  }
  metrics.duplicateRecords(result.duplicates);
  metrics.recordsIngested('execution', result.executions.length);
  metrics.recordsIngested('taskRun', result.taskRuns.length);
  metrics.recordsIngested('log', result.logs.length);
  metrics.recordsIngested('command', result.commands.length);
  for (const r of result.refused) metrics.recordsRefused(r.code, 1);
  metrics.placeholders(result.placeholders.length);
  if (result.refused.length > 0)
    logger.warn(
      { agentId, count: result.refused.length, refused: listed(result.refused) },
      'agent records refused: not stored, their seq acknowledged',
    );
  if (result.placeholders.length > 0)
    logger.warn(
      { agentId, count: result.placeholders.length, records: listed(result.placeholders) },
      'agent records stored as placeholders carrying why',
    );
  options.onStored?.(agentId, result);
  await options.ack(agentId, events.records.at(-1)!.seq);
  return result;
}

/**
 * Applies the batch's `triggerToggle` records the hub has not stored yet, in seq order, before the batch
 * is stored: a hub that stops in between applies them again when the agent sends them again, and a
 * toggle sets a trigger to a state, so applying it twice changes nothing more. Not when the batch
 * follows records the hub lacks: those come first. One that cannot be applied is logged, with why.
 */
async function applyToggles(
  options: IngestOptions,
  agentId: string,
  after: number,
  records: readonly IngestRecord[],
): Promise<void> {
  const { toggle } = options;
  if (!toggle || !records.some((r) => r.kind === 'triggerToggle')) return;
  const mark = await options.sync.lastSeq(agentId);
  if (after > mark) return;
  for (const r of records) {
    if (r.kind !== 'triggerToggle' || r.seq <= mark) continue;
    try {
      await toggle(agentId, r.data);
    } catch (err) {
      options.logger.error(
        { agentId, seq: r.seq, ...r.data, err: (err as Error).message },
        "an agent's trigger.Toggle could not be applied to the hub's flow",
      );
    }
  }
}

function listed(records: readonly RecordNotStored[]) {
  return records.slice(0, LISTED).map(({ seq, kind, reason }) => ({ seq, kind, reason }));
}

/**
 * The record typed by its kind, or `unusable` with the reason when its data cannot be stored as that
 * kind: a placeholder for a record too large to send, a field missing or of the wrong type, a date
 * outside the years 1 to 9999, an integer beyond a PostgreSQL `integer`.
 */
export function checkRecord(record: EventRecord): IngestRecord {
  const { seq, data, kind } = record;
  const unusable = (reason: string): IngestRecord => ({
    seq,
    kind: 'unusable',
    recordKind: kind,
    reason,
    data,
  });
  if (data.tooLarge === true)
    return unusable(`the agent's record of ${Number(data.bytes)} bytes was too large to send`);
  const bad = invalidFields(data, kind);
  if (bad.length > 0) return unusable(`missing or invalid: ${bad.join(', ')}`);
  switch (kind) {
    case 'log':
      // An agent's own cap may be larger, or missing: the hub keeps lines within its own.
      return { seq, kind, data: capLogLine(data as unknown as LogLine) };
    case 'execution':
    case 'taskRun':
    case 'command':
    case 'triggerToggle':
      return { seq, kind, data } as IngestRecord;
    case 'taskRunDeleted':
      return { seq, kind, data: { id: data.id as string } };
  }
}

type Check = (v: unknown) => boolean;

const STATE_SET: ReadonlySet<unknown> = new Set(STATES);
const LEVEL_SET: ReadonlySet<unknown> = new Set(LOG_LEVELS);

const isText: Check = (v) => typeof v === 'string' && v.length > 0;
const isObject: Check = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const optional =
  (check: Check): Check =>
  (v) =>
    v === undefined || v === null || check(v);

// Only what the tables' columns need is checked: the rest of the record is kept as the agent sent it.
const FIELDS: Record<EventRecord['kind'], Record<string, Check>> = {
  execution: {
    id: isText,
    namespace: isText,
    flowId: isText,
    flowRevision: isInt32,
    state: (v) => STATE_SET.has(v),
    startDate: isStorableDate,
    endDate: optional(isStorableDate),
    labels: optional(isObject),
  },
  taskRun: { id: isText, executionId: isText, state: (v) => STATE_SET.has(v) },
  log: {
    executionId: isText,
    level: (v) => LEVEL_SET.has(v),
    message: (v) => typeof v === 'string',
    timestamp: isStorableDate,
    attempt: optional(isInt32),
  },
  command: { commandId: isText, ok: (v) => typeof v === 'boolean' },
  taskRunDeleted: { id: isText },
  triggerToggle: {
    namespace: isText,
    flowId: isText,
    triggerId: isText,
    disabled: (v) => typeof v === 'boolean',
    revision: isInt32,
    executionId: isText,
  },
};

/** The checks as lists, walked once per record without allocating. */
const FIELD_LISTS = Object.fromEntries(
  Object.entries(FIELDS).map(([kind, fields]) => [kind, Object.entries(fields)]),
) as Record<EventRecord['kind'], [string, Check][]>;

function invalidFields(data: Record<string, unknown>, kind: EventRecord['kind']): readonly string[] {
  let bad: string[] | undefined;
  for (const [name, check] of FIELD_LISTS[kind]) {
    if (check(data[name])) continue;
    bad ??= [];
    bad.push(name);
  }
  return bad ?? NONE;
}

const NONE: readonly string[] = [];
