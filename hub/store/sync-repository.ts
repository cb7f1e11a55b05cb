/** The sync stream's storage (docs/protocol.md): an agent's records stored once by seq, in one transaction, before the ack. */
import { eq, type SQL, sql } from 'drizzle-orm';
import { type Db, firstRow } from './db.js';
import { isRecordRefusal, writeErrorReason } from './db-errors.js';
import { isolateRefused, WriteInterrupted } from './isolate.js';
import { jsonText, rowsJson } from './json.js';
import { NoticesTold, ReplacedTextNotices } from './placeholders.js';
import { agentSync } from './schema.js';
import { acceptedExecutions, executionIdsOf, reportScope, sortRecords } from './sync-records.js';
import {
  appendCommandResults,
  deleteTaskRuns,
  insertLogs,
  KEPT_COMMAND_RESULTS,
  upsertTaskRuns,
  withWrites,
} from './sync-statements.js';
import type {
  HelloMark,
  HelloOutbox,
  IngestBatch,
  IngestRecord,
  IngestResult,
  ReportScope,
  SyncRepository,
} from './types.js';
import { chunks, executionRow, logRow, taskRunRow, upsertExecutions } from './write-batch.js';

/** Rows per statement: one JSON parameter each, so only the statement's size bounds it. */
const CHUNK = 2000;

/**
 * {@link SyncRepository} on drizzle. Idempotence rests on the high-water mark
 * in `agent_sync`: an agent's seq strictly increases, so a record at or below
 * it was stored before (gaps, from an agent that dropped records, are fine).
 * The mark row is locked for the transaction, so two batches of one agent
 * never interleave, whichever hub process receives them. A batch is stored
 * only when the mark has reached the seq it follows: the mark never passes a
 * batch that was not stored.
 */
export class DrizzleSyncRepository implements SyncRepository {
  private readonly told = new NoticesTold();

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  async lastSeq(agentId: string): Promise<number> {
    const [row] = await this.db
      .select({ lastSeq: agentSync.lastSeq })
      .from(agentSync)
      .where(eq(agentSync.agentId, agentId));
    return row?.lastSeq ?? 0;
  }

  async resetSeq(agentId: string, seq: number): Promise<void> {
    await this.db
      .insert(agentSync)
      .values({ agentId, lastSeq: seq })
      .onConflictDoUpdate({ target: agentSync.agentId, set: { lastSeq: seq } });
  }

  /**
   * Stores the records after the agent's high-water mark and raises the mark,
   * in one transaction. Only records the agent may report are stored (see
   * `sortRecords`); executions are upserted with `agentId` forced to the
   * sending agent and never overwrite another agent's or the hub's. When the
   * database refuses the batch for a record's data, the batch is written
   * again in parts (each its own transaction, raising the mark) until that
   * record is alone; it is stored as a placeholder, or refused when even that
   * fails.
   */
  async ingest(agentId: string, batch: IngestBatch): Promise<IngestResult> {
    const { records } = batch;
    const total = emptyResult(0, 'stored');
    const afterOf = (i: number) => (i === 0 ? batch.after : records[i - 1]!.seq);
    const ids = executionIdsOf(records);
    const part = async (from: number, slice: readonly IngestRecord[]) =>
      mergeResult(
        total,
        await this.ingestPart(agentId, afterOf(from), slice, { records, ids, store: batch.store }),
      );
    try {
      await part(0, records);
    } catch (error) {
      if (!isRecordRefusal(error)) throw error;
      try {
        await isolateRefused(
          records.map((_, i) => i),
          error,
          (slice) =>
            part(
              slice[0]!,
              slice.map((i) => records[i]!),
            ),
          async (i, refusal) => {
            const reason = writeErrorReason(refusal);
            try {
              await part(i, [fallback(records[i]!, reason)]);
            } catch (again) {
              if (!isRecordRefusal(again)) throw again;
              await part(i, [refused(records[i]!, reason)]);
            }
          },
        );
      } catch (failure) {
        // Parts already written stay written (the mark says so); the rest comes again with the agent's resend.
        throw failure instanceof WriteInterrupted ? failure.cause : failure;
      }
    }
    return total;
  }

  /**
   * Squares the mark with the agent's hello, the mark's row locked. The store's id decides whether the
   * agent's seqs started again; only an agent that sends none is judged by its highest seq, which a
   * hello read late (another replica stored batches sent after it) would make look like a new store.
   */
  async hello(agentId: string, outbox: HelloOutbox): Promise<HelloMark> {
    return this.db.transaction(async (tx) => {
      await tx.insert(agentSync).values({ agentId, lastSeq: 0 }).onConflictDoNothing();
      const row = firstRow<{ last_seq: number | string; store_id: string | null }>(
        await tx.execute(
          sql`SELECT last_seq, store_id FROM agent_sync WHERE agent_id = ${agentId} FOR UPDATE`,
        ),
      );
      const before = Number(row?.last_seq ?? 0);
      const known = row?.store_id ?? null;
      const otherStore = outbox.store !== undefined && known !== null && known !== outbox.store;
      const unnamed = outbox.store === undefined || known === null;
      let mark: HelloMark = { change: 'none', before, lastSeq: before };
      if (otherStore || (unnamed && outbox.highSeq < before))
        mark = { change: 'reset', before, lastSeq: outbox.ackedSeq };
      else if (outbox.ackedSeq > before) mark = { change: 'raised', before, lastSeq: outbox.ackedSeq };
      await tx
        .update(agentSync)
        .set({ lastSeq: mark.lastSeq, storeId: outbox.store ?? known })
        .where(eq(agentSync.agentId, agentId));
      return mark;
    });
  }

  /** One transaction: `slice` (part of `batch`, whose records name executions `ids`, following seq `after`) stored after the mark. */
  private ingestPart(
    agentId: string,
    after: number,
    slice: readonly IngestRecord[],
    batch: { records: readonly IngestRecord[]; ids: ReadonlySet<string>; store?: string },
  ): Promise<IngestResult> {
    return this.db.transaction(async (tx) => {
      const mark = await lockMark(tx, agentId, batch.ids);
      const { live, scope, owners } = mark;
      let { last } = mark;
      if (!live) return emptyResult(last, 'agent-gone');
      let storeReset = false;
      if (batch.store !== undefined && batch.store !== mark.store) {
        // The mark counts another store's seqs. A new store's first batch (it follows nothing) starts
        // the mark again, whether or not its hello came first; any other waits for the hello.
        if (mark.store !== null && after !== 0) return emptyResult(last, 'other-store');
        storeReset = mark.store !== null;
        if (storeReset) last = 0;
        await tx
          .update(agentSync)
          .set({ storeId: batch.store, lastSeq: last })
          .where(eq(agentSync.agentId, agentId));
      }
      if (after > last) return emptyResult(last, 'gap');
      const fresh = slice.filter((r) => r.seq > last);
      const result = emptyResult(last, 'stored');
      if (storeReset) result.storeReset = true;
      result.duplicates = slice.length - fresh.length;
      if (fresh.length === 0) return result;

      const known = { agentId, scope, owners };
      const now = new Date(this.now()).toISOString();
      const acceptedInBatch = acceptedExecutions(batch.records, known);
      const sorted = sortRecords(fresh, { ...known, acceptedInBatch, now });
      result.stored = fresh.length;
      result.executions = [...sorted.executions.values()];
      // Task run ids sort by creation (`newId`); a batch holds them in the order of their latest save, so
      // sorting makes `task_runs.seq` follow creation, as the API's reads expect.
      result.taskRuns = [...sorted.taskRuns.values()].sort((a, b) =>
        a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
      );
      result.deletedTaskRuns = [...sorted.deletedTaskRuns];
      result.commands = sorted.commands;
      result.placeholders = sorted.placeholders;
      result.refused = sorted.refused;

      const notices = new ReplacedTextNotices(this.told, now);
      const writes: SQL[] = [];
      for (const rows of chunks(result.executions.map(executionRow), CHUNK))
        writes.push(
          upsertExecutions(
            rowsJson(rows, (row, places) => notices.execution(row, places)),
            { sameAgentOnly: true },
          ),
        );
      for (const rows of chunks(result.taskRuns.map(taskRunRow), CHUNK))
        writes.push(
          upsertTaskRuns(
            rowsJson(rows, (row, places) => notices.taskRun(row, places)),
            agentId,
          ),
        );
      const logPayloads = [...chunks(sorted.logs.map(logRow), CHUNK)].map((rows) =>
        rowsJson(rows, (row, places) => notices.log(row, places)),
      );
      result.logs = [...sorted.logs, ...notices.lines];
      // In the last statement of logs: the parts of one statement run in no set order, and lines keep theirs.
      if (notices.lines.length > 0)
        logPayloads.push(joinArrays(logPayloads.pop() ?? '[]', jsonText(notices.lines.map(logRow))));
      for (const payload of logPayloads) writes.push(insertLogs(payload, agentId));
      if (result.deletedTaskRuns.length > 0) writes.push(deleteTaskRuns(result.deletedTaskRuns, agentId));
      if (result.commands.length > 0)
        writes.push(appendCommandResults(agentId, result.commands.slice(-KEPT_COMMAND_RESULTS)));

      result.lastSeq = fresh.at(-1)!.seq;
      await tx.execute(
        withWrites(
          writes,
          sql`UPDATE agent_sync SET last_seq = ${result.lastSeq} WHERE agent_id = ${agentId}`,
        ),
      );
      this.told.add(notices.keys);
      return result;
    });
  }
}

/** What stands for a record the database refused: its data as an unusable record, so a placeholder is tried. */
function fallback(record: IngestRecord, reason: string): IngestRecord {
  if (record.kind === 'execution' || record.kind === 'taskRun' || record.kind === 'log')
    return { seq: record.seq, kind: 'unusable', recordKind: record.kind, reason, data: { ...record.data } };
  return refused(record, reason);
}

/** The record counted as refused by the database: nothing of it is stored. */
function refused(record: IngestRecord, reason: string): IngestRecord {
  const recordKind =
    record.kind === 'unusable' || record.kind === 'refused' ? record.recordKind : record.kind;
  return { seq: record.seq, kind: 'refused', recordKind, code: 'database', reason };
}

/** Two JSON arrays as one. */
function joinArrays(a: string, b: string): string {
  if (a === '[]') return b;
  return b === '[]' ? a : `${a.slice(0, -1)},${b.slice(1)}`;
}

function emptyResult(lastSeq: number, outcome: IngestResult['outcome']): IngestResult {
  return {
    outcome,
    lastSeq,
    stored: 0,
    duplicates: 0,
    executions: [],
    taskRuns: [],
    logs: [],
    commands: [],
    deletedTaskRuns: [],
    placeholders: [],
    refused: [],
  };
}

/** Adds one part's result to the batch's; the latest state of an execution or task run wins. */
function mergeResult(total: IngestResult, part: IngestResult): void {
  if (total.stored === 0 && total.duplicates === 0) {
    // The first part (most often the whole batch): nothing to merge with.
    Object.assign(total, part);
    return;
  }
  if (part.outcome !== 'stored') total.outcome = part.outcome;
  if (part.storeReset) total.storeReset = true;
  total.lastSeq = Math.max(total.lastSeq, part.lastSeq);
  total.stored += part.stored;
  total.duplicates += part.duplicates;
  const latest = <T extends { id: string }>(a: T[], b: T[]) => [
    ...new Map([...a, ...b].map((x) => [x.id, x])).values(),
  ];
  total.executions = latest(total.executions, part.executions);
  total.taskRuns = latest(total.taskRuns, part.taskRuns);
  total.logs.push(...part.logs);
  total.commands.push(...part.commands);
  total.deletedTaskRuns.push(...part.deletedTaskRuns);
  total.placeholders.push(...part.placeholders);
  total.refused.push(...part.refused);
}

/** What one ingest reads first, in one round trip with the mark locked. */
interface Mark {
  last: number;
  /** The id of the agent store the mark counts in; null before an agent that sends one. */
  store: string | null;
  /** Registered and not decommissioned. */
  live: boolean;
  scope: ReportScope;
  /** Owner of each stored execution among those the batch names: an agent id, or null for the hub's. */
  owners: Map<string, string | null>;
}

/**
 * The agent's high-water mark, its row created when missing and locked until the transaction ends;
 * whether the agent is live; which flows it may report (`reportScope` of its status); and who owns
 * the executions `ids` names. One statement: the ingest of a batch keeps its round trips.
 *
 * Unless another hub replica stored a batch of this agent while the statement waited for the lock:
 * PostgreSQL then returns the mark as that batch left it, but everything else as the statement's
 * snapshot, taken before — without the executions that batch stored, whose task runs and log lines
 * would be refused as another agent's. The mark as the snapshot saw it (`seen_seq`) tells; the read
 * is then made again, in a new statement that sees every commit up to the lock.
 */
async function lockMark(tx: Db, agentId: string, ids: ReadonlySet<string>): Promise<Mark> {
  const locked = async () =>
    firstRow<{
      last_seq: number | string;
      seen_seq: number | string | null;
      store_id: string | null;
      live: boolean;
      assigned: string[] | null;
      desired: string[] | null;
      owners: [string, string | null][];
    }>(
      await tx.execute(sql`SELECT s.last_seq, s.store_id,
          (SELECT seen.last_seq FROM agent_sync seen WHERE seen.agent_id = ${agentId}) AS seen_seq,
          coalesce(NOT a.decommissioned, false) AS live,
          a.status->'assignedFlows' AS assigned,
          (SELECT jsonb_agg((f->>'namespace') || '/' || (f->>'id'))
            FROM jsonb_array_elements(coalesce(a.status->'desired'->'flows', '[]'::jsonb)) AS f) AS desired,
          (SELECT coalesce(json_agg(json_build_array(e.id, e.agent_id)), '[]'::json) FROM executions e
            WHERE e.id IN (SELECT jsonb_array_elements_text(${jsonText([...ids])}::jsonb))) AS owners
        FROM agent_sync s LEFT JOIN agents a ON a.id = s.agent_id
        WHERE s.agent_id = ${agentId}
        FOR UPDATE OF s`),
    );
  let mark = await locked();
  if (!mark) {
    await tx.insert(agentSync).values({ agentId, lastSeq: 0 }).onConflictDoNothing();
    mark = await locked();
  }
  if (mark && Number(mark.seen_seq) !== Number(mark.last_seq)) mark = await locked();
  return {
    last: Number(mark?.last_seq ?? 0),
    store: mark?.store_id ?? null,
    live: mark?.live === true,
    scope: reportScope({ assignedFlows: mark?.assigned ?? [], desiredFlows: mark?.desired ?? [] }),
    owners: new Map(mark?.owners ?? []),
  };
}
