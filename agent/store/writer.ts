/**
 * Commits the store's write batches on a worker thread with its own
 * connection, at the lowest CPU priority: writing the durable record of one
 * event never holds up the event loop that handles the next one, nor the
 * broker and clients the machine also runs. The same thread checkpoints the
 * WAL: SQLite's automatic checkpoint would copy and fsync megabytes inside a
 * commit on the event loop, and a thread of its own costs a V8 isolate
 * (about 10 MB on a device) for work that takes a few milliseconds.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, type Worker } from 'node:worker_threads';
import { moduleWorker } from './module-worker.js';

/** One statement of a batch; `outbox` marks an insert into the outbox, counted in the reply. */
export interface BatchWrite {
  sql: string;
  args: unknown[];
  outbox?: true;
}

/** What a committed batch appended to the outbox. */
export interface BatchAppend {
  count: number;
  bytes: number;
  highSeq: number;
}

/**
 * A batch's reply (`seq` > 0); `seq` -1 when the worker cannot commit at all
 * (it could not open the database, or died); `seq` 0 when a checkpoint failed.
 */
export type BatchReply =
  | { seq: number; appended: BatchAppend }
  | { seq: number; error: string; code?: string };

/** What the writer thread is started with: its database and the shared words it signals through. */
export interface WriterWorkerData {
  path: string;
  busyTimeoutMs: number;
  synchronous: 'NORMAL' | 'FULL';
  /** Int32 word: the seq of the last batch answered. */
  done: SharedArrayBuffer;
  /** Int32 word: 1 once the worker's connection is closed. */
  closed: SharedArrayBuffer;
  /** Where replies go, apart from the worker's own port, so that {@link BatchWriter.waitFor} can read them synchronously. */
  replies: MessagePort;
}

/**
 * A batch as posted: statement SQL the worker has not seen yet, then (number × 2 + outbox flag, arguments)
 * pairs; or a request for a PASSIVE WAL checkpoint, run once the batches already sent are committed.
 */
export type WriterMessage = { seq: number; sql?: string[]; writes: unknown[] } | 'checkpoint' | 'close';

/** How long a synchronous wait (a read, `close`) waits for the batch in flight, at most. */
const SYNC_WAIT_MS = 30_000;

export interface BatchWriterOptions {
  path: string;
  busyTimeoutMs: number;
  synchronous: 'NORMAL' | 'FULL';
  /** Receives each batch's reply on the event loop (unless {@link BatchWriter.waitFor} took it first). */
  onReply: (reply: BatchReply) => void;
  /** Shortest time between two WAL checkpoints, in ms (default 250). */
  checkpointIntervalMs?: number;
}

/**
 * One batch in flight at a time: {@link post} sends it, the reply comes to
 * `onReply`; {@link waitFor} blocks until a batch is committed and hands its
 * reply over synchronously, for the store's synchronous paths.
 *
 * @example
 * const writer = new BatchWriter({ path, busyTimeoutMs: 5000, synchronous: 'NORMAL', onReply });
 * const seq = writer.post([{ sql: 'INSERT INTO kv …', args: […] }]);
 * writer.waitFor(seq); // the reply went to onReply
 * writer.committed(); // a checkpoint, unless one ran within the interval
 * writer.close();
 */
export class BatchWriter {
  private readonly worker: Worker;
  private readonly replies: MessagePort;
  private readonly done = new Int32Array(new SharedArrayBuffer(4));
  private readonly closed = new Int32Array(new SharedArrayBuffer(4));
  private seq = 0;
  /** The number of each statement the worker has been sent. */
  private readonly statements = new Map<string, number>();
  /** Batches posted and not answered: while there are any, the reply port keeps the process alive. */
  private pending = 0;
  private dead = false;
  private lastCheckpoint = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: BatchWriterOptions) {
    const { port1, port2 } = new MessageChannel();
    this.replies = port1;
    this.replies.on('message', (reply: BatchReply) => this.deliver(reply));
    this.replies.unref();
    const workerData: WriterWorkerData = {
      path: options.path,
      busyTimeoutMs: options.busyTimeoutMs,
      synchronous: options.synchronous,
      done: this.done.buffer as SharedArrayBuffer,
      closed: this.closed.buffer as SharedArrayBuffer,
      replies: port2,
    };
    this.worker = moduleWorker(new URL('./writer-worker.js', import.meta.url), {
      workerData,
      transferList: [port2],
    });
    // A worker that dies answers nothing more: the store commits on its own thread from then on.
    this.worker.on('error', (err) => this.stopped(err.message));
    this.worker.on('exit', (code) => this.stopped(`exited with code ${code}`));
    this.worker.unref();
  }

  /**
   * Sends a batch; returns its sequence number. It travels as a flat list of
   * statement numbers and arguments, each statement's SQL only the first
   * time: copying the message is most of what posting costs.
   */
  post(writes: BatchWrite[]): number {
    const seq = ++this.seq;
    if (this.pending++ === 0) this.replies.ref();
    const sql: string[] = [];
    const flat: unknown[] = [];
    for (const write of writes) {
      let id = this.statements.get(write.sql);
      if (id === undefined) {
        id = this.statements.size;
        this.statements.set(write.sql, id);
        sql.push(write.sql);
      }
      flat.push(write.outbox ? id * 2 + 1 : id * 2, write.args);
    }
    const message: WriterMessage = sql.length > 0 ? { seq, sql, writes: flat } : { seq, writes: flat };
    this.worker.postMessage(message);
    return seq;
  }

  /**
   * The WAL has grown (a batch, or a commit on another connection): asks the
   * worker for a PASSIVE checkpoint unless one was asked for within the
   * interval. It runs after the batches already sent; a failure comes to
   * `onReply` with `seq` 0.
   */
  committed(): void {
    if (this.dead) return;
    const now = performance.now();
    if (now - this.lastCheckpoint < (this.options.checkpointIntervalMs ?? 250)) return;
    this.lastCheckpoint = now;
    this.worker.postMessage('checkpoint' satisfies WriterMessage);
  }

  /** Blocks until batch `seq` is committed (or failed), then delivers its reply to `onReply` now. */
  waitFor(seq: number): void {
    const deadline = Date.now() + SYNC_WAIT_MS;
    while (!this.dead && Atomics.load(this.done, 0) < seq && Date.now() < deadline)
      Atomics.wait(this.done, 0, Atomics.load(this.done, 0), Math.max(1, deadline - Date.now()));
    for (let received = receiveMessageOnPort(this.replies); received; ) {
      this.deliver(received.message as BatchReply);
      received = receiveMessageOnPort(this.replies);
    }
  }

  private deliver(reply: BatchReply): void {
    if (reply.seq > 0 && --this.pending === 0) this.replies.unref();
    this.options.onReply(reply);
  }

  /** Stops the worker once its batch in flight is done, waiting (blocking) until its connection is closed. */
  close(): void {
    if (!this.dead) {
      this.dead = true;
      this.worker.postMessage('close' satisfies WriterMessage);
      Atomics.wait(this.closed, 0, 0, SYNC_WAIT_MS);
    }
    this.replies.close();
  }

  private stopped(why: string): void {
    if (this.dead) return;
    this.dead = true;
    this.replies.unref();
    this.options.onReply({ seq: -1, error: `the writer stopped: ${why}` });
  }
}
