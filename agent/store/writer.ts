/**
 * Commits the store's write batches on a worker thread with its own
 * connection, at the lowest CPU priority: writing the durable record of one
 * event never holds up the event loop that handles the next one, nor the
 * broker and clients the machine also runs.
 */
import { createRequire } from 'node:module';
import { MessageChannel, type MessagePort, receiveMessageOnPort, type Worker } from 'node:worker_threads';
import { LOW_PRIORITY_SOURCE } from '../../runtime/thread-priority.js';
import { sourceWorker } from './source-worker.js';

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

export type BatchReply =
  | { seq: number; appended: BatchAppend }
  | { seq: number; error: string; code?: string };

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
${LOW_PRIORITY_SOURCE}
const Database = require(workerData.driver);
const done = new Int32Array(workerData.done);
const closed = new Int32Array(workerData.closed);
const replies = workerData.replies;
const finish = () => {
  Atomics.store(closed, 0, 1);
  Atomics.notify(closed, 0);
  parentPort.close();
  replies.close();
};
let db;
try {
  db = new Database(workerData.path, { fileMustExist: true });
  db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
  db.pragma('synchronous = ' + workerData.synchronous);
  db.pragma('foreign_keys = ON');
  db.pragma('wal_autocheckpoint = 10000');
} catch (err) {
  db = undefined;
  replies.postMessage({ seq: -1, error: 'cannot open ' + workerData.path + ': ' + err.message });
}
// Statements by the number the event loop gave them; their SQL comes once, with the first batch using them.
const statements = [];
// Numbers stay aligned whatever fails: a statement that cannot be prepared fails each batch using it.
const prepare = (sql) => {
  try {
    return db.prepare(sql);
  } catch (err) {
    return { run() { throw err; } };
  }
};
const commit = db && db.transaction((writes) => {
  const appended = { count: 0, bytes: 0, highSeq: 0 };
  for (let i = 0; i < writes.length; i += 2) {
    const code = writes[i];
    const args = writes[i + 1];
    const info = statements[code >> 1].run(...args);
    if (code & 1) {
      appended.count++;
      appended.bytes += args[2];
      appended.highSeq = Number(info.lastInsertRowid);
    }
  }
  return appended;
});
parentPort.on('message', (message) => {
  if (message === 'close') {
    if (db) db.close();
    finish();
    return;
  }
  let reply;
  if (!db) reply = { seq: message.seq, error: 'the writer has no connection to ' + workerData.path };
  else
    try {
      if (message.sql) for (const sql of message.sql) statements.push(prepare(sql));
      reply = { seq: message.seq, appended: commit.immediate(message.writes) };
    } catch (err) {
      reply = { seq: message.seq, error: err.message, code: err.code };
    }
  replies.postMessage(reply);
  Atomics.store(done, 0, message.seq);
  Atomics.notify(done, 0);
});
`;

/** How long a synchronous wait (a read, `close`) waits for the batch in flight, at most. */
const SYNC_WAIT_MS = 30_000;

export interface BatchWriterOptions {
  path: string;
  busyTimeoutMs: number;
  synchronous: 'NORMAL' | 'FULL';
  /** Receives each batch's reply on the event loop (unless {@link BatchWriter.waitFor} took it first). */
  onReply: (reply: BatchReply) => void;
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

  constructor(private readonly options: BatchWriterOptions) {
    const { port1, port2 } = new MessageChannel();
    this.replies = port1;
    this.replies.on('message', (reply: BatchReply) => this.deliver(reply));
    this.replies.unref();
    this.worker = sourceWorker(WORKER_SOURCE, {
      workerData: {
        path: options.path,
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        busyTimeoutMs: options.busyTimeoutMs,
        synchronous: options.synchronous,
        done: this.done.buffer,
        closed: this.closed.buffer,
        replies: port2,
      },
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
    this.worker.postMessage(sql.length > 0 ? { seq, sql, writes: flat } : { seq, writes: flat });
    return seq;
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
      this.worker.postMessage('close');
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
