/** BatchWriter: batches committed and the WAL checkpointed by a worker thread with its own connection, at the lowest CPU priority. */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SCHED_IDLE, threadScheduling } from '../../runtime/thread-priority.js';
import { migrate } from './migrations.js';
import { type BatchReply, BatchWriter } from './writer.js';

let dir: string;
let path: string;
const writers: BatchWriter[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tern-writer-'));
  path = join(dir, 'tern.db');
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  migrate(db); // the schema, as a store would have made it
  db.close();
});

afterEach(() => {
  for (const w of writers.splice(0)) w.close();
  rmSync(dir, { recursive: true, force: true });
});

function writer(replies: BatchReply[], at = path): BatchWriter {
  const w = new BatchWriter({
    path: at,
    busyTimeoutMs: 1000,
    synchronous: 'NORMAL',
    onReply: (r) => replies.push(r),
  });
  writers.push(w);
  return w;
}

/**
 * Commits `rows` rows of 1 KB on a connection of the test's own that never
 * checkpoints, so they stay in the WAL until the writer does; returns that
 * connection and the database file's size before.
 */
function walRows(rows: number): { db: BetterSqlite3.Database; before: number } {
  const db = new BetterSqlite3(path);
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE filler (v TEXT)');
  const insert = db.prepare('INSERT INTO filler (v) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run('x'.repeat(1000));
  })();
  return { db, before: statSync(path).size };
}

const OUTBOX = 'INSERT INTO outbox (kind, payload, bytes, created_at) VALUES (?, ?, ?, ?)';

const CHRT = ['/usr/bin/chrt', '/bin/chrt'].some((path) => existsSync(path));

/** Nice value and scheduling policy of each of this process's threads (Linux). */
function threadPriorities(): { tid: string; nice: number; policy: number }[] {
  return readdirSync('/proc/self/task').map((tid) => ({ tid, ...threadScheduling(Number(tid)) }));
}

/** The process's nice value: its main thread's. */
const processNiceOf = () => threadScheduling(process.pid).nice;

describe('BatchWriter', () => {
  it('commits a batch in one transaction on its worker, and says what it appended to the outbox', () => {
    const replies: BatchReply[] = [];
    const w = writer(replies);
    const seq = w.post([
      {
        sql: 'INSERT INTO kv (namespace, key, value, expires_at) VALUES (?, ?, ?, ?)',
        args: ['ns', 'k', '1', null],
      },
      { sql: OUTBOX, args: ['log', '{"a":1}', 7, 0], outbox: true },
      { sql: OUTBOX, args: ['log', '{"b":22}', 8, 0], outbox: true },
    ]);
    w.waitFor(seq);
    expect(replies).toEqual([{ seq, appended: { count: 2, bytes: 15, highSeq: 2 } }]);
    const reader = new BetterSqlite3(path, { readonly: true });
    expect(reader.prepare('SELECT count(*) AS n FROM outbox').get()).toEqual({ n: 2 });
    expect(reader.prepare('SELECT value FROM kv').get()).toEqual({ value: '1' });
    reader.close();
  });

  it('rolls a failing batch back whole and answers with the error', () => {
    const replies: BatchReply[] = [];
    const w = writer(replies);
    const seq = w.post([
      { sql: OUTBOX, args: ['log', '{}', 2, 0], outbox: true },
      { sql: 'INSERT INTO no_such_table VALUES (?)', args: [1] },
    ]);
    w.waitFor(seq);
    expect(replies).toMatchObject([{ seq, error: expect.stringMatching(/no such table/) }]);
    const reader = new BetterSqlite3(path, { readonly: true });
    expect(reader.prepare('SELECT count(*) AS n FROM outbox').get()).toEqual({ n: 0 });
    reader.close();
  });

  it('delivers replies on the event loop when nobody waits for them', async () => {
    const replies: BatchReply[] = [];
    const w = writer(replies);
    const seq = w.post([{ sql: OUTBOX, args: ['log', '{}', 2, 0], outbox: true }]);
    await vi.waitFor(() => expect(replies).toEqual([{ seq, appended: { count: 1, bytes: 2, highSeq: 1 } }]));
  });

  it.runIf(process.platform === 'linux')(
    'runs at the lowest CPU priority (nice 19, SCHED_IDLE where chrt is), not the rest of the process',
    () => {
      const threads = () => threadPriorities().map((t) => t.tid);
      const lowest = () =>
        threadPriorities()
          .filter((t) => t.nice === 19 && (!CHRT || t.policy === SCHED_IDLE))
          .map((t) => t.tid);
      const processNice = processNiceOf();
      // Threads of earlier tests may still be exiting: only the threads this writer adds count.
      const before = new Set(threads());
      const replies: BatchReply[] = [];
      const w = writer(replies);
      w.waitFor(w.post([{ sql: OUTBOX, args: ['log', '{}', 2, 0], outbox: true }]));
      expect(lowest().filter((tid) => !before.has(tid))).toHaveLength(1);
      expect(processNice).not.toBe(19);
      expect(processNiceOf()).toBe(processNice);
    },
  );

  it('answers that it cannot open a database that is not there, and creates none', async () => {
    const replies: BatchReply[] = [];
    const missing = join(dir, 'missing.db');
    writer(replies, missing);
    await vi.waitFor(() =>
      expect(replies).toMatchObject([{ seq: -1, error: expect.stringMatching(/cannot open/) }]),
    );
    expect(existsSync(missing)).toBe(false);
  });

  it('copies the WAL into the database file on its thread when told of a commit', async () => {
    const { db, before } = walRows(500);
    const w = writer([]);
    w.committed();
    await vi.waitFor(() => expect(statSync(path).size).toBeGreaterThan(before + 400_000), {
      timeout: 5000,
      interval: 10,
    });
    db.close();
  });

  it('closes during a checkpoint only once its thread has let go of the database', () => {
    const { db, before } = walRows(20_000);
    const w = new BatchWriter({ path, busyTimeoutMs: 1000, synchronous: 'NORMAL', onReply: () => {} });
    w.committed();
    // The thread is copying the WAL (about 20 MB) once the file starts to grow.
    const deadline = Date.now() + 10_000;
    while (statSync(path).size === before && Date.now() < deadline);
    expect(statSync(path).size).toBeGreaterThan(before);
    w.close();
    db.close();
    // Leaving WAL mode needs the only connection: it fails while the worker still holds one.
    const other = new BetterSqlite3(path);
    expect(other.pragma('journal_mode = DELETE', { simple: true })).toBe('delete');
    other.close();
  });
});
