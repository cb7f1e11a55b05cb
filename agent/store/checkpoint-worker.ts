/** The checkpointer's thread (started by checkpointer.ts): its own connection at the lowest CPU priority, a PASSIVE checkpoint per request. */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { lowerThisThread } from '../../runtime/thread-priority.js';
import type { CheckpointMessage, CheckpointReply, CheckpointWorkerData } from './checkpointer.js';

lowerThisThread();
// This module runs only as a worker thread.
const port = parentPort!;
const data = workerData as CheckpointWorkerData;
const closed = new Int32Array(data.closed);

function done(): void {
  Atomics.store(closed, 0, 1);
  Atomics.notify(closed, 0);
  port.close();
}

function open(): Database.Database | undefined {
  try {
    const db = new Database(data.path, { fileMustExist: true });
    db.pragma('busy_timeout = 1000');
    return db;
  } catch (err) {
    // Errors lose their message on the way to the main thread: send it as text.
    port.postMessage({
      error: `cannot open ${data.path}: ${(err as Error).message}`,
      fatal: true,
    } satisfies CheckpointReply);
    done();
    return undefined;
  }
}

const db = open();
if (db)
  port.on('message', (message: CheckpointMessage) => {
    if (message === 'close') {
      db.close();
      done();
      return;
    }
    let error: string | undefined;
    try {
      // PASSIVE: writers are never blocked.
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (err) {
      error = (err as Error).message;
    }
    port.postMessage({ error } satisfies CheckpointReply);
  });
