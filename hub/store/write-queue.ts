/** Group commit: execution, task run, log and KV writes queued in memory and committed together, one transaction per turn. */
import type { Execution, LogLine, TaskRun } from '../../protocol/execution.js';
import type { Db } from './db.js';
import {
  type Batch,
  batchStatements,
  emptyBatch,
  isEmpty,
  type KvEntry,
  mergeBatches,
} from './write-batch.js';

/**
 * Queues writes and commits them on the next turn of the event loop, all in
 * one transaction. One commit runs at a time; writes made meanwhile wait for
 * the next one. A failed commit keeps its writes queued (before any newer
 * ones), rejects the pending flushes and reports the error; the next write or
 * flush tries again.
 */
export class WriteQueue {
  private pending = emptyBatch();
  private inflight: Batch | undefined;
  private scheduled: NodeJS.Immediate | undefined;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly kvEntry: (id: string) => KvEntry | undefined,
    private readonly onWriteError: (error: unknown) => void,
  ) {}

  saveExecution(execution: Execution): void {
    this.writable();
    checkDate(execution.startDate, 'execution startDate');
    if (execution.endDate !== undefined) checkDate(execution.endDate, 'execution endDate');
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
    checkDate(line.timestamp, 'log line timestamp');
    this.pending.logs.push(line);
    this.schedule();
  }

  /** Queues writing KV key `id` as the cache has it at commit time. */
  touchKv(id: string): void {
    this.writable();
    this.pending.kvKeys.add(id);
    this.schedule();
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
    await this.flush();
  }

  private writable(): void {
    if (this.closed) throw new Error('hub storage is closed');
  }

  private schedule(): void {
    if (this.scheduled || this.inflight) return;
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
      await this.write(batch);
      for (const w of batch.waiters) w.resolve();
      this.inflight = undefined;
      if (!isEmpty(this.pending)) this.schedule();
    } catch (error) {
      this.pending = mergeBatches(batch, this.pending);
      this.inflight = undefined;
      // Flushes waiting on newer writes are failed too: those writes will not be tried until the next write or flush.
      for (const w of [...batch.waiters, ...this.pending.waiters.splice(0)]) w.reject(error);
      this.onWriteError(error);
    }
  }

  /** Serialises the batch now, then writes it in one transaction (or one statement when that is all it takes). */
  private async write(batch: Batch): Promise<void> {
    const statements = batchStatements(batch, this.kvEntry);
    if (statements.length === 1) {
      await statements[0]!(this.db);
      return;
    }
    await this.db.transaction(async (tx) => {
      for (const run of statements) await run(tx);
    });
  }
}

/**
 * Refuses an unreadable date when it is saved: at commit it would fail the
 * whole batch, and every retry of it.
 */
function checkDate(value: string, what: string): void {
  if (Number.isNaN(Date.parse(value))) throw new TypeError(`${what} is not an ISO-8601 date: '${value}'`);
}
