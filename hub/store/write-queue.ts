/** Group commit: execution, task run, log and KV writes queued in memory and committed together, one transaction per turn. */
import { backoffDelay } from '../../protocol/backoff.js';
import type { Execution, LogLine, TaskRun } from '../../protocol/execution.js';
import { checkStorableDate } from './dates.js';
import type { Db } from './db.js';
import { isRecordRefusal, writeErrorReason } from './db-errors.js';
import { isolateRefused, WriteInterrupted } from './isolate.js';
import { failedExecution, failedTaskRun, NoticesTold, noticeLine, placeholderLine } from './placeholders.js';
import {
  type Batch,
  type BatchRecord,
  batchOf,
  batchStatements,
  emptyBatch,
  isEmpty,
  type KvEntry,
  mergeBatches,
  recordsOf,
} from './write-batch.js';

/** A record the database refused, and what was stored instead. */
export interface RecordRefusal {
  /** e.g. `execution 0Vd2…`, `log line of execution 0Vd2…`, `kv plant1/last`. */
  record: string;
  reason: string;
  /** `placeholder`: a FAILED execution or task run, or an ERROR log line; `nothing`: see the reason. */
  stored: 'placeholder' | 'nothing';
}

export interface WriteQueueOptions {
  db: Db;
  /** The KV cache: the entry to write for a key, and `refused` to forget one the database refused. */
  kv: { entry(id: string): KvEntry | undefined; refused(id: string): void };
  /** Told the KV keys of each batch once it is committed (other hub replicas reload them). */
  onKvCommitted?: (ids: string[]) => void;
  now: () => number;
  /** A commit failed for a reason other than its data; its writes stay queued and are tried again. */
  onWriteError(error: unknown): void;
  /** The database refused a record for good; it was isolated from the others, which are stored. */
  onRecordRefused(refusal: RecordRefusal): void;
}

/** A commit stopped by a transient failure while it isolated a refused record: `rest` was not written. */
class CommitInterrupted extends Error {
  constructor(
    override readonly cause: unknown,
    readonly rest: Batch,
  ) {
    super('a commit was interrupted', { cause });
  }
}

/** Waits before trying a commit again after a transient failure: from 100 ms, doubling, up to 5 s. */
const RETRY = { minMs: 100, maxMs: 5000 };

/**
 * Queues writes and commits them on the next turn of the event loop, all in
 * one transaction. One commit runs at a time; writes made meanwhile wait for
 * the next one.
 *
 * A commit the database refuses because of a record's data (see
 * `isRecordRefusal`) is written again in halves until that record is alone;
 * it is stored as a placeholder (see `storeRefused`), every other record is
 * stored, and the commit's flushes resolve. A commit that fails otherwise
 * keeps its writes queued (before any newer ones), rejects the pending
 * flushes, reports the error, and is tried again after a backoff.
 */
export class WriteQueue {
  private pending = emptyBatch();
  private inflight: Batch | undefined;
  private scheduled: NodeJS.Immediate | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private closed = false;
  private readonly told = new NoticesTold();

  constructor(private readonly options: WriteQueueOptions) {}

  saveExecution(execution: Execution): void {
    this.writable();
    checkStorableDate(execution.startDate, 'execution startDate');
    if (execution.endDate !== undefined) checkStorableDate(execution.endDate, 'execution endDate');
    this.pending.executions.set(execution.id, execution);
    this.schedule();
  }

  saveTaskRun(taskRun: TaskRun): void {
    this.writable();
    // A re-saved task run keeps its first position in the map, so `seq` (creation order) follows first saves.
    this.pending.taskRuns.set(taskRun.id, taskRun);
    this.schedule();
  }

  /** Queues the removal of task runs; a later save of one of them creates it afresh. */
  deleteTaskRuns(ids: readonly string[]): void {
    this.writable();
    for (const id of ids) {
      this.pending.taskRuns.delete(id);
      this.pending.deletedTaskRuns.add(id);
    }
    this.schedule();
  }

  appendLog(line: LogLine): void {
    this.writable();
    checkStorableDate(line.timestamp, 'log line timestamp');
    this.pending.logs.push(line);
    this.schedule();
  }

  /** Queues writing KV key `id` as the cache has it at commit time. */
  touchKv(id: string): void {
    this.writable();
    this.pending.kvKeys.add(id);
    this.schedule();
  }

  /** Whether a write of KV key `id` is queued or being committed. */
  queuesKv(id: string): boolean {
    return this.pending.kvKeys.has(id) || (this.inflight?.kvKeys.has(id) ?? false);
  }

  /** Resolves once everything queued before the call is committed; rejects if that commit fails. */
  flush(): Promise<void> {
    const batch = !isEmpty(this.pending) ? this.pending : this.inflight;
    if (!batch) return Promise.resolve();
    return new Promise((resolve, reject) => {
      batch.waiters.push({ resolve, reject });
      if (batch === this.pending) this.schedule();
    });
  }

  /** Refuses further writes and commits what is queued. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.flush();
    } finally {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    }
  }

  private writable(): void {
    if (this.closed) throw new Error('hub storage is closed');
  }

  private schedule(): void {
    if (this.scheduled || this.inflight || this.retryTimer) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      void this.commitPending();
    });
  }

  private async commitPending(): Promise<void> {
    if (this.inflight || isEmpty(this.pending)) return;
    const batch = this.pending;
    this.pending = emptyBatch();
    this.inflight = batch;
    try {
      await this.commit(batch);
      this.failures = 0;
      if (batch.kvKeys.size > 0) this.options.onKvCommitted?.([...batch.kvKeys]);
      for (const w of batch.waiters) w.resolve();
      this.inflight = undefined;
      if (!isEmpty(this.pending)) this.schedule();
    } catch (error) {
      const unwritten = error instanceof CommitInterrupted ? error.rest : batch;
      const cause = error instanceof CommitInterrupted ? error.cause : error;
      this.pending = mergeBatches(unwritten, this.pending);
      this.inflight = undefined;
      // Flushes waiting on newer writes are failed too: those writes wait for the retry.
      for (const w of [...batch.waiters, ...this.pending.waiters.splice(0)]) w.reject(cause);
      this.options.onWriteError(cause);
      this.retryLater();
    }
  }

  /**
   * Writes the batch; when the database refuses its data, writes its records apart to find the ones it
   * refuses. Throws a {@link CommitInterrupted} when a transient failure comes in the middle of that.
   */
  private async commit(batch: Batch): Promise<void> {
    try {
      await this.write(batch);
    } catch (error) {
      if (!isRecordRefusal(error)) throw error;
      const records = recordsOf(batch);
      try {
        await isolateRefused(
          records,
          error,
          (slice) => this.write(batchOf(slice)),
          (record, refusal) => this.storeRefused(record, refusal),
        );
      } catch (failure) {
        if (!(failure instanceof WriteInterrupted)) throw failure;
        throw new CommitInterrupted(failure.cause, batchOf(records.slice(failure.written)));
      }
    }
  }

  /** Serialises the batch now, then writes it in one transaction (or one statement when that is all it takes). */
  private async write(batch: Batch): Promise<void> {
    const now = new Date(this.options.now()).toISOString();
    const { statements, notices } = batchStatements(batch, (id) => this.options.kv.entry(id), this.told, now);
    const { db } = this.options;
    if (statements.length === 1) await statements[0]!(db);
    else
      await db.transaction(async (tx) => {
        for (const run of statements) await run(tx);
      });
    this.told.add(notices);
  }

  /**
   * Stores what stands for a record the database refused (see {@link placeholderOf}). When even the
   * placeholder is refused, or for a task run deletion, nothing more can be stored: the refusal is
   * reported and the writer goes on. A record refused again at its next save (the engine saves an
   * execution at every change) gets its placeholder again, but its ERROR line and report only once.
   */
  private async storeRefused(record: BatchRecord, error: unknown): Promise<void> {
    const reason = writeErrorReason(error);
    const now = new Date(this.options.now()).toISOString();
    if (record.kind === 'kv') this.options.kv.refused(record.id);
    const { what, instead, notice } = placeholderOf(record, reason, now);
    const key = `refused:${what}:${reason}`;
    const firstTime = !this.told.has(key);
    if (notice && firstTime) instead.push({ kind: 'log', line: notice });
    let stored: RecordRefusal['stored'] =
      instead.length > 0 && record.kind !== 'kv' ? 'placeholder' : 'nothing';
    try {
      if (instead.length > 0) await this.write(batchOf(instead));
    } catch (failure) {
      if (!isRecordRefusal(failure)) throw failure;
      stored = 'nothing';
    }
    this.told.add([key]);
    if (firstTime) this.options.onRecordRefused({ record: what, reason, stored });
  }

  private retryLater(): void {
    if (this.closed || this.retryTimer) return;
    const delay = backoffDelay(this.failures++, RETRY);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.schedule();
    }, delay);
    this.retryTimer.unref();
  }
}

/**
 * What stands for a refused record: an execution or a task run becomes FAILED with the reason, with an
 * ERROR `notice` for the execution's log; a log line becomes an ERROR line carrying the reason. A KV
 * key is written as the cache now has it (forgotten: deleted), so reads agree with what is stored.
 */
function placeholderOf(
  record: BatchRecord,
  reason: string,
  now: string,
): { what: string; instead: BatchRecord[]; notice?: LogLine } {
  switch (record.kind) {
    case 'execution': {
      const e = record.execution;
      return {
        what: `execution ${e.id}`,
        instead: [{ kind: 'execution', execution: failedExecution({ ...e }, reason, now) }],
        notice: noticeLine(e.id, 'ERROR', `the database refused this execution's record: ${reason}`, now),
      };
    }
    case 'taskRun': {
      const t = record.taskRun;
      const notice = `the database refused the record of task run ${t.taskId} (${t.id}): ${reason}`;
      return {
        what: `task run ${t.id} of execution ${t.executionId}`,
        instead: [{ kind: 'taskRun', taskRun: failedTaskRun({ ...t }, reason, now) }],
        notice: noticeLine(t.executionId, 'ERROR', notice, now),
      };
    }
    case 'log':
      return {
        what: `log line of execution ${record.line.executionId}`,
        instead: [{ kind: 'log', line: placeholderLine({ ...record.line }, reason, now) }],
      };
    case 'kv':
      return { what: `kv ${record.id.replace('\u0000', '/')} (forgotten)`, instead: [record] };
    case 'taskRunDeleted':
      return { what: `deletion of task run ${record.id}`, instead: [] };
  }
}
