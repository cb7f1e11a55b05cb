/** The store's writer thread (started by writer.ts): commits each batch it is sent in one transaction, on its own connection, and checkpoints the WAL when asked. */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { lowerThisThread } from '../../runtime/thread-priority.js';
import type { BatchAppend, BatchReply, WriterMessage, WriterWorkerData } from './writer.js';

lowerThisThread();
// This module runs only as a worker thread.
const port = parentPort!;
const data = workerData as WriterWorkerData;
const done = new Int32Array(data.done);
const closed = new Int32Array(data.closed);
const replies: MessagePort = data.replies;

function finish(): void {
  Atomics.store(closed, 0, 1);
  Atomics.notify(closed, 0);
  port.close();
  replies.close();
}

function open(): Database.Database | undefined {
  try {
    const db = new Database(data.path, { fileMustExist: true });
    db.pragma(`busy_timeout = ${data.busyTimeoutMs}`);
    db.pragma(`synchronous = ${data.synchronous}`);
    db.pragma('foreign_keys = ON');
    db.pragma('wal_autocheckpoint = 10000');
    return db;
  } catch (err) {
    replies.postMessage({
      seq: -1,
      error: `cannot open ${data.path}: ${(err as Error).message}`,
    } satisfies BatchReply);
    return undefined;
  }
}

const db = open();
// Statements by the number the event loop gave them; their SQL comes once, with the first batch using them.
const statements: Pick<Database.Statement, 'run'>[] = [];

/** Numbers stay aligned whatever fails: a statement that cannot be prepared fails each batch using it. */
function prepare(db: Database.Database, sql: string): Pick<Database.Statement, 'run'> {
  try {
    return db.prepare(sql);
  } catch (err) {
    return {
      run() {
        throw err;
      },
    };
  }
}

/** Runs a batch: pairs of (statement number × 2, +1 for an outbox insert) and arguments. */
const commit = db?.transaction((writes: unknown[]): BatchAppend => {
  const appended = { count: 0, bytes: 0, highSeq: 0 };
  for (let i = 0; i < writes.length; i += 2) {
    const code = writes[i] as number;
    const args = writes[i + 1] as unknown[];
    // Every number came with its SQL first.
    const info = statements[code >> 1]!.run(...args);
    if (code & 1) {
      appended.count++;
      appended.bytes += args[2] as number;
      appended.highSeq = Number(info.lastInsertRowid);
    }
  }
  return appended;
});

/** Whether a checkpoint was asked for and waits for the batches already in the port's queue. */
let checkpointAsked = false;

/** PASSIVE: never blocks a writer, and copies what it can of the WAL back into the database file. */
function checkpoint(): void {
  checkpointAsked = false;
  if (!db?.open) return;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    replies.postMessage({ seq: 0, error: `WAL checkpoint: ${(err as Error).message}` } satisfies BatchReply);
  }
}

port.on('message', (message: WriterMessage) => {
  if (message === 'close') {
    db?.close();
    finish();
    return;
  }
  if (message === 'checkpoint') {
    // After the messages already received: the port delivers them before the event loop reaches its check phase.
    if (!checkpointAsked) setImmediate(checkpoint);
    checkpointAsked = true;
    return;
  }
  let reply: BatchReply;
  if (!db || !commit) reply = { seq: message.seq, error: `the writer has no connection to ${data.path}` };
  else
    try {
      if (message.sql) for (const sql of message.sql) statements.push(prepare(db, sql));
      reply = { seq: message.seq, appended: commit.immediate(message.writes) };
    } catch (err) {
      reply = { seq: message.seq, error: (err as Error).message, code: (err as { code?: string }).code };
    }
  replies.postMessage(reply);
  Atomics.store(done, 0, message.seq);
  Atomics.notify(done, 0);
});
