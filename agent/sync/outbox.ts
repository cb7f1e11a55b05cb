/**
 * The sync outbox (docs/protocol.md): records the store appended in the same
 * transaction as the state they mirror, read in seq order for the hub,
 * trimmed once acknowledged, and kept within limits.
 */
import type { Statement } from 'better-sqlite3';
import { newId } from '../../protocol/ids.js';
import type { Logger } from '../../protocol/logger.js';
import type { CommandResult, OutboxStatus, RecordKind } from '../../protocol/messages.js';
import { MAX_MESSAGE_BYTES } from '../../protocol/messages.js';
import type { OutboxLimits } from '../config.js';
import type { OutboxAppend, SqliteStore } from '../store/sqlite-store.js';
import { AgentState, STATE_KEYS } from './agent-state.js';

/** One outbox row; `payload` is the record's JSON. */
export interface OutboxRow {
  seq: number;
  kind: RecordKind;
  payload: string;
  bytes: number;
  createdAt: number;
}

/** Consecutive rows read for one events message. */
export interface OutboxBatch {
  rows: OutboxRow[];
  lastSeq: number;
  bytes: number;
}

export interface OutboxOptions {
  now?: () => number;
  logger?: Logger;
}

type Removed = { n: number; b: number };

/** A record bigger than this cannot travel in an events message; a placeholder goes instead. */
export const MAX_RECORD_BYTES = MAX_MESSAGE_BYTES - 4096;

/**
 * The outbox of one agent store (opened with `outbox: true`). Depth and bytes
 * are counted in memory from the store's commit notifications, so checking
 * the limits costs no scan.
 *
 * @example
 * const outbox = new Outbox(store, { maxRows: 100_000, maxBytes: 64 << 20, maxAgeMs: 86_400_000, policy: 'drop-oldest' });
 * const batch = outbox.read(outbox.ackedSeq, 500, 256 * 1024);
 */
export class Outbox {
  private readonly state: AgentState;
  private readonly now: () => number;
  private readonly logger: Logger | undefined;
  private readonly selectAfter: Statement<[number, number], OutboxRow>;
  private readonly selectOldest: Statement<[], { createdAt: number }>;
  private readonly sumUpTo: Statement<[number], { n: number; b: number }>;
  private readonly deleteUpTo: Statement<[number]>;
  private readonly scanOldest: Statement<[], { seq: number; bytes: number; createdAt: number }>;
  /** Deletes every row up to a seq and, in the same transaction, records why. */
  private readonly removeThrough: (seq: number, record: (removed: Removed) => void) => Removed;
  private readonly appendListeners = new Set<(append: OutboxAppend) => void>();
  private readonly fullListeners = new Set<(full: boolean) => void>();
  private readonly unsubscribe: () => void;
  private depthCount: number;
  private byteCount: number;
  private high: number;
  private acked: number;
  private droppedCount: number;
  private isFull = false;
  /** This store's id (see `STATE_KEYS.storeId`). */
  readonly storeId: string;

  constructor(
    private readonly store: SqliteStore,
    private readonly limits: OutboxLimits,
    options: OutboxOptions = {},
  ) {
    const db = store.database;
    this.state = new AgentState(db);
    this.now = options.now ?? Date.now;
    this.logger = options.logger;
    this.selectAfter = db.prepare(
      'SELECT seq, kind, payload, bytes, created_at AS createdAt FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?',
    );
    this.selectOldest = db.prepare('SELECT created_at AS createdAt FROM outbox ORDER BY seq LIMIT 1');
    this.sumUpTo = db.prepare(
      'SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM outbox WHERE seq <= ?',
    );
    this.deleteUpTo = db.prepare('DELETE FROM outbox WHERE seq <= ?');
    this.scanOldest = db.prepare('SELECT seq, bytes, created_at AS createdAt FROM outbox ORDER BY seq');
    // IMMEDIATE: a transaction that reads first and then writes cannot wait for the store's writer
    // (SQLite returns SQLITE_BUSY at once rather than risk a deadlock); one that takes the lock first can.
    this.removeThrough = db.transaction((seq: number, record: (removed: Removed) => void) => {
      const removed = this.sumUpTo.get(seq) ?? { n: 0, b: 0 };
      this.deleteUpTo.run(seq);
      record(removed);
      return removed;
    }).immediate;

    const totals = db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM outbox').get() as {
      n: number;
      b: number;
    };
    const sequence = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").get() as
      | { seq: number }
      | undefined;
    this.depthCount = totals.n;
    this.byteCount = totals.b;
    this.high = sequence?.seq ?? 0;
    this.acked = Math.min(this.state.number(STATE_KEYS.ackedSeq), this.high);
    this.droppedCount = this.state.number(STATE_KEYS.dropped);
    this.storeId = this.state.get(STATE_KEYS.storeId) ?? this.newStoreId();
    this.unsubscribe = store.onOutboxAppend((append) => this.appended(append));
    this.enforce();
  }

  /** Highest seq ever appended. */
  get highSeq(): number {
    return this.high;
  }

  /** Highest seq the hub has acknowledged (persisted). */
  get ackedSeq(): number {
    return this.acked;
  }

  get depth(): number {
    return this.depthCount;
  }

  /** True under `pause-triggers` while a limit is reached: no new execution may start. */
  get full(): boolean {
    return this.isFull;
  }

  private newStoreId(): string {
    const id = newId();
    this.state.set(STATE_KEYS.storeId, id);
    return id;
  }

  stats(): OutboxStatus {
    return {
      depth: this.depthCount,
      bytes: this.byteCount,
      oldestAgeMs: this.oldestAgeMs(),
      dropped: this.droppedCount,
      highSeq: this.high,
      ackedSeq: this.acked,
      full: this.isFull,
    };
  }

  /**
   * Rows after `afterSeq`, in order, at most `maxRecords` and about `maxBytes`
   * (always at least one row, so one large record still goes); undefined when
   * there is nothing after `afterSeq`.
   */
  read(afterSeq: number, maxRecords: number, maxBytes: number): OutboxBatch | undefined {
    const rows = this.selectAfter.all(afterSeq, maxRecords);
    if (rows.length === 0) return undefined;
    let bytes = 0;
    let count = 0;
    for (const row of rows) {
      if (count > 0 && bytes + row.bytes > maxBytes) break;
      bytes += row.bytes;
      count++;
    }
    const taken = count === rows.length ? rows : rows.slice(0, count);
    return { rows: taken, lastSeq: taken.at(-1)!.seq, bytes };
  }

  /**
   * Deletes every record up to `seq` (capped at the highest seq appended) and
   * persists it as the acked seq; returns how many records were deleted.
   */
  trim(seq: number): number {
    const target = Math.min(seq, this.high);
    if (target <= this.acked) return 0;
    const removed = this.removeThrough(target, () => this.state.set(STATE_KEYS.ackedSeq, target));
    this.acked = target;
    this.depthCount -= removed.n;
    this.byteCount -= removed.b;
    this.updateFull();
    return removed.n;
  }

  /** Queues a command's answer as a `command` record, after the state changes queued before it. */
  appendCommand(result: CommandResult): void {
    this.store.appendOutboxRecord('command', result);
  }

  /**
   * Applies the limits now: under `drop-oldest`, deletes the oldest records
   * beyond any limit and counts them as dropped; under `pause-triggers`,
   * recomputes {@link full}. Runs after every append; call it now and then
   * too, since records also age while nothing is appended.
   */
  enforce(): void {
    if (this.limits.policy === 'drop-oldest') this.dropOldest();
    this.updateFull();
  }

  /** Called after each commit that appended records. */
  onAppend(listener: (append: OutboxAppend) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** Called when {@link full} changes. */
  onFullChange(listener: (full: boolean) => void): () => void {
    this.fullListeners.add(listener);
    return () => this.fullListeners.delete(listener);
  }

  /** Stops listening to the store. */
  close(): void {
    this.unsubscribe();
    this.appendListeners.clear();
    this.fullListeners.clear();
  }

  private appended(append: OutboxAppend): void {
    this.depthCount += append.count;
    this.byteCount += append.bytes;
    this.high = Math.max(this.high, append.highSeq);
    this.enforce();
    for (const listener of this.appendListeners) listener(append);
  }

  private oldestAgeMs(): number {
    const oldest = this.selectOldest.get();
    return oldest ? Math.max(0, this.now() - oldest.createdAt) : 0;
  }

  private overLimit(): boolean {
    return (
      this.depthCount >= this.limits.maxRows ||
      this.byteCount >= this.limits.maxBytes ||
      (this.depthCount > 0 && this.oldestAgeMs() >= this.limits.maxAgeMs)
    );
  }

  private dropOldest(): void {
    const rowsOver = this.depthCount - this.limits.maxRows;
    const bytesOver = this.byteCount - this.limits.maxBytes;
    const tooOld = this.now() - this.limits.maxAgeMs;
    if (
      rowsOver <= 0 &&
      bytesOver <= 0 &&
      !(this.depthCount > 0 && this.oldestAgeMs() >= this.limits.maxAgeMs)
    )
      return;
    let cutoff = 0;
    let rows = 0;
    let bytes = 0;
    for (const row of this.scanOldest.iterate()) {
      if (rows >= rowsOver && bytes >= bytesOver && row.createdAt > tooOld) break;
      cutoff = row.seq;
      rows++;
      bytes += row.bytes;
    }
    if (cutoff === 0) return;
    const removed = this.removeThrough(cutoff, (r) =>
      this.state.set(STATE_KEYS.dropped, this.droppedCount + r.n),
    );
    this.droppedCount += removed.n;
    this.depthCount -= removed.n;
    this.byteCount -= removed.b;
    this.logger?.warn(
      { dropped: removed.n, bytes: removed.b, upToSeq: cutoff, totalDropped: this.droppedCount },
      'outbox full: oldest records dropped',
    );
  }

  private updateFull(): void {
    const full = this.limits.policy === 'pause-triggers' && this.overLimit();
    if (full === this.isFull) return;
    this.isFull = full;
    this.logger?.[full ? 'warn' : 'info'](
      this.stats(),
      full ? 'outbox full: new executions paused' : 'outbox below its limits',
    );
    for (const listener of this.fullListeners) listener(full);
  }
}

/** Memo of the last ISO timestamp made: rows committed together share their `created_at`. */
let lastMs = -1;
let lastIso = '';
function isoOf(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/**
 * The events message for `rows`, which follow seq `after` (nothing the outbox
 * holds lies between), built as text around each stored JSON payload (no
 * parse and re-serialise of every record).
 */
export function encodeEvents(rows: readonly OutboxRow[], after: number, store: string): string {
  const parts = rows.map(
    (row) =>
      `{"seq":${row.seq},"kind":${JSON.stringify(row.kind)},"at":"${isoOf(row.createdAt)}","data":${
        row.bytes > MAX_RECORD_BYTES ? placeholder(row) : row.payload
      }}`,
  );
  return `{"store":"${store}","after":${after},"records":[${parts.join(',')}]}`;
}

/** What goes instead of a record too big for any message: its ids, its size, and a flag. */
function placeholder(row: OutboxRow): string {
  let ids: Record<string, unknown> = {};
  try {
    const data = JSON.parse(row.payload) as Record<string, unknown>;
    const keep = ['id', 'executionId', 'taskRunId', 'taskId', 'namespace', 'flowId', 'state', 'commandId'];
    ids = Object.fromEntries(keep.filter((k) => data[k] !== undefined).map((k) => [k, data[k]]));
  } catch {
    // An unreadable payload still gets its placeholder.
  }
  return JSON.stringify({ ...ids, tooLarge: true, bytes: row.bytes });
}
