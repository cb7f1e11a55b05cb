/**
 * Copies the write-ahead log back into the database file on a worker thread.
 * SQLite's automatic checkpoint runs inside the commit that crosses its
 * threshold and writes and fsyncs megabytes there, blocking the event loop for
 * milliseconds; here the event loop only posts a message.
 */
import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';
import { LOW_PRIORITY_SOURCE } from '../../runtime/thread-priority.js';
import { sourceWorker } from './source-worker.js';

/** The worker: its own connection at the lowest CPU priority, a PASSIVE checkpoint per request (writers are never blocked). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
${LOW_PRIORITY_SOURCE}
const Database = require(workerData.driver);
const closed = new Int32Array(workerData.closed);
const done = () => {
  Atomics.store(closed, 0, 1);
  Atomics.notify(closed, 0);
  parentPort.close();
};
let db;
try {
  db = new Database(workerData.path, { fileMustExist: true });
  db.pragma('busy_timeout = 1000');
} catch (err) {
  // Errors lose their message on the way to the main thread: send it as text.
  parentPort.postMessage({ error: 'cannot open ' + workerData.path + ': ' + err.message, fatal: true });
  done();
}
if (db) parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    done();
    return;
  }
  let error;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    error = err.message;
  }
  parentPort.postMessage({ error });
});
`;

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
    this.start().postMessage('checkpoint');
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
    worker.postMessage('close');
    Atomics.wait(this.workerClosed, 0, 0, CLOSE_WAIT_MS);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const closed = new SharedArrayBuffer(4);
    this.workerClosed = new Int32Array(closed);
    const worker = sourceWorker(WORKER_SOURCE, { workerData: { path: this.options.path, driver, closed } });
    worker.on('message', (reply: { error?: string; fatal?: boolean }) => {
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
