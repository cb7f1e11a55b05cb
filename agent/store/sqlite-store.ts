/** The agent's durable local state: executions, task runs, logs, KV and files in one SQLite database (WAL). */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Database, Statement } from 'better-sqlite3';
import BetterSqlite3 from 'better-sqlite3';
import type { Execution, LogLevel, LogLine, TaskRun } from '../../protocol/execution.js';
import type { RecordKind } from '../../protocol/messages.js';
import type { State } from '../../protocol/states.js';
import type { ExecutionStore, PurgeCounts, PurgeRequest } from '../../runtime/engine/ports.js';
import { DirectoryFileStorage } from '../../runtime/file-storage.js';
import { SqliteKvStore } from './kv-store.js';
import { migrate } from './migrations.js';
import { SqliteNamespaceFiles } from './namespace-files.js';
import { purgeExecutions } from './purge.js';
import { type BatchReply, type BatchWrite, BatchWriter } from './writer.js';

export interface SqliteStoreOptions {
  /** Database file, created with its folder when missing, or ':memory:'. */
  path: string;
  /** Root of the file storage; default `files` next to the database, a temporary folder for ':memory:'. */
  filesDir?: string;
  /**
   * NORMAL (default) survives a crash or SIGKILL of the process: a commit is in
   * the WAL, in the OS page cache, before `flush` resolves. Only a power loss or
   * kernel crash can roll back the last commits. FULL also fsyncs the WAL on
   * every commit, which survives power loss at a large cost in commits/s.
   */
  synchronous?: 'NORMAL' | 'FULL';
  /** How long a write waits for another connection's lock before failing, in ms (default 5000). */
  busyTimeoutMs?: number;
  /** Time source for KV expiry. */
  clock?: { now(): number };
  /**
   * How long the first write of a batch waits for others before the batch
   * commits, in ms, while nothing awaits it (default 10). Under a steady
   * stream of events every commit carries the writes of this long, so the
   * writer wakes up, and the event loop hears back from it, once per window
   * instead of once per event.
   */
  commitDelayMs?: number;
  /**
   * The same wait once a `flush` awaits the batch, in ms (default 1, at most
   * `commitDelayMs`): the saves of an execution that ends within it (a sensor
   * event handled in a fraction of a millisecond) still commit once, in their
   * final state.
   */
  flushDelayMs?: number;
  /** Called when a background group commit fails; the writes stay queued and the next flush retries them. */
  onWriteError?: (error: unknown) => void;
  /**
   * Also append every committed execution upsert, task run upsert and log
   * line to the sync outbox, in the same transaction (see agent/sync).
   */
  outbox?: boolean;
}

/** What an outbox record holds; the wire's `RecordKind`. */
export type OutboxRecordKind = RecordKind;

/** Outbox records appended by one committed batch. */
export interface OutboxAppend {
  count: number;
  bytes: number;
  /** The seq of the last record appended. */
  highSeq: number;
}

/**
 * A queued write: the prepared statement and its arguments. Records are
 * serialised when the batch commits, not when saved, so a record saved many
 * times in one turn is serialised once, in its latest state.
 */
interface Write {
  /** Undefined for a record that goes to the outbox only. */
  statement: Statement<unknown[]> | undefined;
  args: unknown[] | (() => unknown[]);
  /** With the outbox on: the record's kind and its JSON, made from the resolved arguments at commit. */
  outbox?: { kind: OutboxRecordKind; payload: (args: unknown[]) => string };
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/** A batch the writer worker is committing, with the flushes waiting for it. */
interface InFlight {
  seq: number;
  writes: Write[];
  waiters: Waiter[];
}

interface LogRow {
  execution_id: string;
  task_run_id: string | null;
  task_id: string | null;
  attempt: number | null;
  ts: string;
  level: LogLevel;
  message: string;
}

/**
 * The queued writes that a later save of the same record or key replaces.
 * Each batch gets new ones rather than clearing these: a cleared Map keeps a
 * link from its old table to the new one (for iterators still on it). Once
 * an old table had reached the old generation, that link kept every write
 * queued after it alive through young collections, records and all: 650 KB
 * promoted per scavenge at 500 events/s, against 10 KB with new Maps.
 */
class Queued {
  readonly executions = new Map<string, Write>();
  readonly taskRuns = new Map<string, Write>();
  readonly keyed = new Map<string, Write>();
}

/**
 * {@link ExecutionStore} on better-sqlite3. Saves and log lines are queued and
 * committed together in one transaction `commitDelayMs` after the first of
 * them, or `flushDelayMs` once a flush awaits them (group commit); repeated
 * saves of one record within a batch are coalesced. WAL checkpoints run on the
 * writer's thread (writer.ts). Reads commit the pending batch first, so
 * they always see every earlier write.
 *
 * @example
 * const store = openSqliteStore({ path: '.tern/agent/tern.db' });
 * store.saveExecution(execution);
 * await store.flush(); // durable against a crash of this process
 */
export class SqliteStore implements ExecutionStore {
  readonly kv: SqliteKvStore;
  readonly files: DirectoryFileStorage;
  readonly namespaceFiles: SqliteNamespaceFiles;
  private readonly db: Database;
  private readonly upsertExecution: Statement<unknown[]>;
  private readonly upsertTaskRun: Statement<unknown[]>;
  private readonly insertLog: Statement<unknown[]>;
  private readonly deleteTaskRun: Statement<unknown[]>;
  private readonly selectExecution: Statement<[string], { doc: string }>;
  private readonly selectTaskRuns: Statement<[string], { doc: string }>;
  private readonly selectByStates: Statement<[string], { doc: string }>;
  private readonly selectLogs: Statement<[string], LogRow>;
  private readonly insertOutbox: Statement<unknown[]> | undefined;
  private readonly commitBatch: (batch: readonly Write[]) => OutboxAppend;
  private readonly outboxListeners = new Set<(append: OutboxAppend) => void>();
  private readonly now: () => number;
  private readonly onWriteError: ((error: unknown) => void) | undefined;
  /** Files root to remove on close: only one we created ourselves. */
  private readonly ownedFilesDir: string | undefined;
  private queue: Write[] = [];
  /**
   * Latest queued write per execution, per task run (by id: the id strings
   * are the records' own, their hashes already computed) and per `queueWrite`
   * key, for coalescing.
   */
  private queued = new Queued();
  private waiters: Waiter[] = [];
  private scheduled: NodeJS.Timeout | undefined;
  /** Whether `scheduled` is the short wait of a flush. */
  private scheduledForFlush = false;
  private readonly commitDelayMs: number;
  private readonly flushDelayMs: number;
  /** Commits background batches off the event loop; undefined for ':memory:' (or if it could not open). */
  private writer: BatchWriter | undefined;
  private inFlight: InFlight | undefined;
  private closed = false;

  constructor(options: SqliteStoreOptions) {
    const inMemory = options.path === ':memory:';
    if (!inMemory) mkdirSync(dirname(resolve(options.path)), { recursive: true });
    this.db = new BetterSqlite3(options.path);
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${options.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
      this.db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
      this.db.pragma('foreign_keys = ON');
      // Checkpoints run on the writer's thread (writer.ts); this one is the backstop (40 MB).
      if (!inMemory) this.db.pragma('wal_autocheckpoint = 10000');
      migrate(this.db);
    } catch (error) {
      this.db.close();
      throw error;
    }

    this.upsertExecution = this.db.prepare(
      `INSERT INTO executions (id, namespace, flow_id, state, start_date, end_date, doc) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET namespace = excluded.namespace, flow_id = excluded.flow_id,
         state = excluded.state, start_date = excluded.start_date, end_date = excluded.end_date, doc = excluded.doc`,
    );
    this.upsertTaskRun = this.db.prepare(
      `INSERT INTO task_runs (id, execution_id, state, doc) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET execution_id = excluded.execution_id, state = excluded.state, doc = excluded.doc`,
    );
    this.insertLog = this.db.prepare(
      `INSERT INTO logs (execution_id, task_run_id, task_id, attempt, ts, level, message)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.deleteTaskRun = this.db.prepare('DELETE FROM task_runs WHERE id = ?');
    this.selectExecution = this.db.prepare('SELECT doc FROM executions WHERE id = ?');
    // rowid order is creation order: an upsert keeps the row's rowid.
    this.selectTaskRuns = this.db.prepare('SELECT doc FROM task_runs WHERE execution_id = ? ORDER BY rowid');
    this.selectByStates = this.db.prepare(
      `SELECT doc FROM executions WHERE state IN (SELECT value FROM json_each(?))
       ORDER BY start_date, rowid`,
    );
    this.selectLogs = this.db.prepare(
      `SELECT execution_id, task_run_id, task_id, attempt, ts, level, message
       FROM logs WHERE execution_id = ? ORDER BY id`,
    );
    this.insertOutbox = options.outbox
      ? this.db.prepare('INSERT INTO outbox (kind, payload, bytes, created_at) VALUES (?, ?, ?, ?)')
      : undefined;
    this.commitBatch = this.db.transaction((batch: readonly Write[]) => {
      const appended: OutboxAppend = { count: 0, bytes: 0, highSeq: 0 };
      const at = this.now();
      for (const write of batch) {
        const args = typeof write.args === 'function' ? write.args() : write.args;
        write.statement?.run(...args);
        if (write.outbox && this.insertOutbox) {
          const payload = write.outbox.payload(args);
          const bytes = Buffer.byteLength(payload);
          const info = this.insertOutbox.run(write.outbox.kind, payload, bytes, at);
          appended.count++;
          appended.bytes += bytes;
          appended.highSeq = Number(info.lastInsertRowid);
        }
      }
      return appended;
    }).immediate;

    const clock = options.clock;
    this.now = clock ? () => clock.now() : Date.now;
    this.kv = new SqliteKvStore(this.db, this.now);
    this.namespaceFiles = new SqliteNamespaceFiles(this.db, this.now);
    if (options.filesDir !== undefined) {
      this.files = new DirectoryFileStorage(options.filesDir);
    } else if (inMemory) {
      this.ownedFilesDir = mkdtempSync(join(tmpdir(), 'tern-files-'));
      this.files = new DirectoryFileStorage(this.ownedFilesDir);
    } else {
      this.files = new DirectoryFileStorage(join(dirname(resolve(options.path)), 'files'));
    }
    this.onWriteError = options.onWriteError;
    this.commitDelayMs = options.commitDelayMs ?? 10;
    this.flushDelayMs = Math.min(options.flushDelayMs ?? 1, this.commitDelayMs);
    this.writer = inMemory
      ? undefined
      : new BatchWriter({
          path: resolve(options.path),
          busyTimeoutMs: Math.trunc(options.busyTimeoutMs ?? 5000),
          synchronous: options.synchronous === 'FULL' ? 'FULL' : 'NORMAL',
          onReply: (reply) => this.settle(reply),
        });
  }

  /**
   * Queues an upsert of the execution. The object is read when the batch
   * commits: the state written is the latest one saved before the commit.
   */
  saveExecution(execution: Execution): void {
    this.enqueue(
      this.queued.executions,
      execution.id,
      this.upsertExecution,
      () => [
        execution.id,
        execution.namespace,
        execution.flowId,
        execution.state,
        execution.startDate,
        execution.endDate ?? null,
        JSON.stringify(execution),
      ],
      this.insertOutbox && EXECUTION_RECORD,
    );
  }

  /** Queues an upsert of the task run (read at commit, like {@link saveExecution}). */
  saveTaskRun(taskRun: TaskRun): void {
    this.enqueue(
      this.queued.taskRuns,
      taskRun.id,
      this.upsertTaskRun,
      () => [taskRun.id, taskRun.executionId, taskRun.state, JSON.stringify(taskRun)],
      this.insertOutbox && TASK_RUN_RECORD,
    );
  }

  /** Queues a log line; lines keep the order they were appended in. */
  appendLog(line: LogLine): void {
    this.enqueue(
      undefined,
      undefined,
      this.insertLog,
      [line.executionId, line.taskRunId, line.taskId, line.attempt, line.timestamp, line.level, line.message],
      this.insertOutbox && { kind: 'log', payload: () => JSON.stringify(line) },
    );
  }

  /**
   * Queues a record for the outbox only (a command's answer), committed in
   * order with the state changes queued before it. Needs the `outbox` option.
   */
  appendOutboxRecord(kind: OutboxRecordKind, data: object): void {
    if (!this.insertOutbox) throw new Error(`store ${this.db.name} was opened without the outbox`);
    this.enqueue(undefined, undefined, undefined, [], { kind, payload: () => JSON.stringify(data) });
  }

  /** Calls `listener` after each commit that appended outbox records; returns the unsubscribe function. */
  onOutboxAppend(listener: (append: OutboxAppend) => void): () => void {
    this.outboxListeners.add(listener);
    return () => this.outboxListeners.delete(listener);
  }

  /** True when the store writes the outbox. */
  get outboxEnabled(): boolean {
    return this.insertOutbox !== undefined;
  }

  /**
   * The underlying database, for the agent's own tables (outbox, assigned
   * flows, agent state). Writes there bypass the queue: they must not touch
   * the tables the queue writes.
   */
  get database(): Database {
    return this.db;
  }

  /** Queues the removal of task runs; a save of the same task run queued earlier is dropped with it. */
  deleteTaskRuns(ids: readonly string[]): void {
    for (const id of ids) {
      this.queued.taskRuns.delete(id);
      this.enqueue(
        undefined,
        undefined,
        this.deleteTaskRun,
        [id],
        this.insertOutbox && { kind: 'taskRunDeleted', payload: () => JSON.stringify({ id }) },
      );
    }
  }

  /**
   * Queues a write to one of the agent's own tables, committed in order with
   * the next batch. A later write with the same `key` takes the place of the
   * queued one. `fence` is a key prefix: queued writes under it are no longer
   * replaced, so that saves after a delete land after it. `args` may be a
   * function, called once when the batch commits.
   */
  queueWrite(
    statement: Statement<unknown[]>,
    args: Write['args'],
    options: { key?: string; fence?: string } = {},
  ): void {
    if (options.fence !== undefined) {
      const { keyed } = this.queued;
      for (const key of keyed.keys()) if (key.startsWith(options.fence)) keyed.delete(key);
    }
    this.enqueue(this.queued.keyed, options.key, statement, args);
  }

  /** Commits what is queued now, so that a direct read of the database sees it. */
  commitNow(): void {
    if (this.scheduled) this.cancelScheduled();
    this.commitPending();
  }

  /** Resolves once everything queued before the call is committed; rejects if that commit fails. */
  flush(): Promise<void> {
    if (this.queue.length === 0) {
      const inFlight = this.inFlight;
      if (!inFlight) return Promise.resolve();
      return new Promise((resolve, reject) => inFlight.waiters.push({ resolve, reject }));
    }
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.schedule(true);
    });
  }

  async getExecution(id: string): Promise<{ execution: Execution; taskRuns: TaskRun[] } | undefined> {
    this.commitPending();
    const row = this.selectExecution.get(id);
    if (!row) return undefined;
    const taskRuns = this.selectTaskRuns.all(id).map((r) => JSON.parse(r.doc) as TaskRun);
    return { execution: JSON.parse(row.doc) as Execution, taskRuns };
  }

  /** Executions in any of `states`, oldest (by start date) first. */
  async listExecutionsByState(states: readonly State[]): Promise<Execution[]> {
    this.commitPending();
    if (states.length === 0) return [];
    return this.selectByStates.all(JSON.stringify(states)).map((r) => JSON.parse(r.doc) as Execution);
  }

  /** The execution's log lines in the order they were appended. */
  async listLogs(executionId: string): Promise<LogLine[]> {
    this.commitPending();
    return this.selectLogs.all(executionId).map((r) => ({
      executionId: r.execution_id,
      taskRunId: r.task_run_id,
      taskId: r.task_id,
      attempt: r.attempt,
      level: r.level,
      message: r.message,
      timestamp: r.ts,
    }));
  }

  /** Removes ended executions, their logs or files, as `request` says (Kestra's PurgeExecutions). */
  async purgeExecutions(request: PurgeRequest): Promise<PurgeCounts> {
    this.commitPending();
    return purgeExecutions(this.db, this.files, request);
  }

  /** Commits what is queued, then closes the database. Removes the temporary files folder of a ':memory:' store. */
  close(): void {
    if (this.closed) return;
    this.cancelScheduled();
    try {
      this.commitPending();
    } finally {
      this.closed = true;
      this.writer?.close();
      this.writer = undefined;
      this.db.close();
      if (this.ownedFilesDir) rmSync(this.ownedFilesDir, { recursive: true, force: true });
    }
  }

  private enqueue(
    slots: Map<string, Write> | undefined,
    key: string | undefined,
    statement: Statement<unknown[]> | undefined,
    args: Write['args'],
    outbox?: Write['outbox'],
  ): void {
    if (this.closed) throw new Error(`store ${this.db.name} is closed`);
    // A repeated save takes the place of the first one: upserts of different
    // records commute, and the batch commits as a whole, so the result is the
    // same as running every save in order. The outbox then gets one record for
    // the entity per batch, in its latest state: it mirrors what is durable.
    const earlier = key === undefined ? undefined : slots?.get(key);
    if (earlier) {
      // The later write may be another statement on the same key (a delete after a save).
      earlier.statement = statement;
      earlier.args = args;
    } else {
      const write: Write = outbox ? { statement, args, outbox } : { statement, args };
      this.queue.push(write);
      if (key !== undefined) slots?.set(key, write);
    }
    this.schedule();
  }

  /** Arms the commit timer; a flush shortens a background wait already armed. */
  private schedule(forFlush = false): void {
    if (this.closed) return;
    if (this.scheduled) {
      if (!forFlush || this.scheduledForFlush) return;
      clearTimeout(this.scheduled);
    }
    this.scheduledForFlush = forFlush;
    this.scheduled = setTimeout(
      () => {
        this.scheduled = undefined;
        if (this.writer) return this.dispatch();
        try {
          this.commitPending();
        } catch (error) {
          this.onWriteError?.(error);
        }
      },
      forFlush ? this.flushDelayMs : this.commitDelayMs,
    );
  }

  /**
   * Hands the queue to the writer worker as one batch, unless a batch is in
   * flight: then the queue keeps growing and goes when that one is settled.
   */
  private dispatch(): void {
    const writer = this.writer;
    if (!writer || this.inFlight || this.queue.length === 0) return;
    const writes = this.queue;
    const batch: BatchWrite[] = [];
    const at = this.now();
    for (const write of writes) {
      const args = typeof write.args === 'function' ? write.args() : write.args;
      // Resolved once: a retry after a failure writes what this batch wrote.
      write.args = args;
      if (write.statement) batch.push({ sql: write.statement.source, args });
      if (write.outbox && this.insertOutbox) {
        const payload = write.outbox.payload(args);
        batch.push({
          sql: this.insertOutbox.source,
          args: [write.outbox.kind, payload, Buffer.byteLength(payload), at],
          outbox: true,
        });
      }
    }
    this.inFlight = { seq: writer.post(batch), writes, waiters: this.waiters };
    this.queue = [];
    this.queued = new Queued();
    this.waiters = [];
  }

  /** The writer's answer for the batch in flight: settles its flushes, or puts its writes back in front. */
  private settle(reply: BatchReply): void {
    const inFlight = this.inFlight;
    if (reply.seq === -1 && 'error' in reply) {
      // The worker could not open the database, or died: commits go back to this thread.
      this.writer?.close();
      this.writer = undefined;
      // Nothing checkpoints on another thread any more: SQLite's automatic checkpoint (its default) takes over.
      if (!this.closed) this.db.pragma('wal_autocheckpoint = 1000');
      if (!this.closed) this.onWriteError?.(new Error(`store writer: ${reply.error}`));
      if (inFlight) {
        this.inFlight = undefined;
        this.queue = [...inFlight.writes, ...this.queue];
        this.waiters.push(...inFlight.waiters);
        this.schedule(this.waiters.length > 0);
      }
      return;
    }
    if (reply.seq === 0 && 'error' in reply) {
      this.onWriteError?.(new Error(reply.error));
      return;
    }
    if (!inFlight || reply.seq !== inFlight.seq) return;
    this.inFlight = undefined;
    if ('error' in reply) {
      const error = Object.assign(new Error(reply.error), { code: reply.code });
      this.queue = [...inFlight.writes, ...this.queue];
      for (const waiter of inFlight.waiters) waiter.reject(error);
      this.onWriteError?.(error);
      return;
    }
    this.writer?.committed();
    for (const waiter of inFlight.waiters) waiter.resolve();
    if (reply.appended.count > 0) this.notifyOutbox(reply.appended);
    if (this.queue.length > 0 && !this.closed) {
      // What piled up while that batch was committing goes now: it has waited long enough.
      if (this.waiters.length > 0 || this.scheduled === undefined) this.dispatch();
    }
  }

  private cancelScheduled(): void {
    clearTimeout(this.scheduled);
    this.scheduled = undefined;
  }

  /**
   * Commits the queue in one transaction and settles the waiting flushes. On
   * failure the queue is kept for the next attempt (nothing is dropped), the
   * waiters are rejected, and the error is rethrown to the caller.
   */
  private commitPending(): void {
    // Batches in flight first, so that this commit lands after them (and does not wait on their lock).
    while (this.inFlight) {
      const { seq } = this.inFlight;
      this.writer?.waitFor(seq);
      if (this.inFlight?.seq !== seq) continue;
      // No answer from the worker: its writes are committed here (upserts and deletes again, harmlessly).
      this.queue = [...this.inFlight.writes, ...this.queue];
      this.waiters.push(...this.inFlight.waiters);
      this.inFlight = undefined;
    }
    const waiters = this.waiters;
    this.waiters = [];
    let appended: OutboxAppend | undefined;
    try {
      if (this.queue.length > 0) {
        appended = this.commitBatch(this.queue);
        this.queue = [];
        this.queued = new Queued();
        this.writer?.committed();
      }
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
      throw error;
    }
    for (const waiter of waiters) waiter.resolve();
    if (appended && appended.count > 0) this.notifyOutbox(appended);
  }

  private notifyOutbox(append: OutboxAppend): void {
    for (const listener of this.outboxListeners) {
      try {
        listener(append);
      } catch (error) {
        // The batch is committed; a listener's failure must not look like a failed write.
        this.onWriteError?.(error);
      }
    }
  }
}

/** Outbox records of upserts reuse the JSON column the upsert writes (the last argument). */
const EXECUTION_RECORD: NonNullable<Write['outbox']> = {
  kind: 'execution',
  payload: (args) => args[6] as string,
};
const TASK_RUN_RECORD: NonNullable<Write['outbox']> = {
  kind: 'taskRun',
  payload: (args) => args[3] as string,
};

/** Opens (creating and migrating when needed) the store at `options.path`. */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(options);
}
