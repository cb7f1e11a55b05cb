/**
 * Copies the write-ahead log back into the database file on a worker thread.
 * SQLite's automatic checkpoint runs inside the commit that crosses its
 * threshold and writes and fsyncs megabytes there, blocking the event loop for
 * milliseconds; here the event loop only posts a message.
 */
import type { Worker } from 'node:worker_threads';
import { moduleWorker } from './module-worker.js';

/** What the checkpointer's thread is started with. */
export interface CheckpointWorkerData {
  /** The database file. */
  path: string;
  /** Int32 word: 1 once the worker's connection is closed. */
  closed: SharedArrayBuffer;
}

/** A request to the thread: checkpoint now, or close. */
export type CheckpointMessage = 'checkpoint' | 'close';

/** The answer to a checkpoint; `fatal` when the thread could not open the database and is ending. */
export interface CheckpointReply {
  error?: string;
  fatal?: boolean;
}

/** How long `close` waits for the worker's checkpoint in progress. */
const CLOSE_WAIT_MS = 5000;

export interface CheckpointerOptions {
  /** The database file (in WAL mode). */
  path: string;
  /** Shortest time between two checkpoints, in ms (default 250). */
  intervalMs?: number;
  /** Called when a checkpoint fails; the next request tries again. */
  onError?: (message: string) => void;
}

/**
 * Call {@link committed} after each commit; a checkpoint runs at most every
 * `intervalMs`, one at a time. The worker starts with the first checkpoint,
 * so a store that is opened briefly never starts one.
 *
 * @example
 * const checkpointer = new WalCheckpointer({ path: 'tern.db' });
 * db.pragma('wal_autocheckpoint = 10000'); // only a backstop now
 * checkpointer.committed();
 * checkpointer.close(); // before closing the database
 */
export class WalCheckpointer {
  private worker: Worker | undefined;
  private busy = false;
  private last = Number.NEGATIVE_INFINITY;
  private closed = false;
  /** Set to 1 by the worker once its connection is closed. */
  private workerClosed = new Int32Array(new SharedArrayBuffer(4));
  private readonly intervalMs: number;

  constructor(private readonly options: CheckpointerOptions) {
    this.intervalMs = options.intervalMs ?? 250;
  }

  /** The WAL has grown: checkpoint unless one ran within the interval or is running. */
  committed(): void {
    if (this.busy || this.closed) return;
    const now = performance.now();
    if (now - this.last < this.intervalMs) return;
    this.last = now;
    this.busy = true;
    this.start().postMessage('checkpoint' satisfies CheckpointMessage);
  }

  /**
   * Stops the worker and waits (blocking, at most `CLOSE_WAIT_MS`) until its
   * connection is closed, after the checkpoint in progress if any: the caller
   * may close its own connection, or remove the files, right after.
   */
  close(): void {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    worker.postMessage('close' satisfies CheckpointMessage);
    Atomics.wait(this.workerClosed, 0, 0, CLOSE_WAIT_MS);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const closed = new SharedArrayBuffer(4);
    this.workerClosed = new Int32Array(closed);
    const workerData: CheckpointWorkerData = { path: this.options.path, closed };
    const worker = moduleWorker(new URL('./checkpoint-worker.js', import.meta.url), { workerData });
    worker.on('message', (reply: CheckpointReply) => {
      this.busy = false;
      // A worker that could not open the database is ending: the next request starts another.
      if (reply.fatal && this.worker === worker) this.worker = undefined;
      if (reply.error) this.options.onError?.(reply.error);
    });
    worker.on('error', (err) => {
      this.busy = false;
      if (this.worker === worker) this.worker = undefined;
      this.options.onError?.(err.message);
    });
    // A stopped worker is started again by the next request.
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
      this.busy = false;
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }
}
