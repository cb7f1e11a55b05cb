/** SqliteStore: group commit, upserts, reads, reopening, and failed commits, on real database files. */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { threadScheduling } from '../../runtime/thread-priority.js';
import { aLogLine, anExecution, aTaskRun } from '../../test/support/fixtures.js';
import { MIGRATIONS } from './migrations.js';
import { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';

let dir: string;
let dbPath: string;
const open: SqliteStore[] = [];
const readers: BetterSqlite3.Database[] = [];

function store(options: Partial<Omit<SqliteStoreOptions, 'path'>> = {}): SqliteStore {
  const s = openSqliteStore({ path: dbPath, ...options });
  open.push(s);
  return s;
}

/** A second, independent connection: what it sees is what was committed. */
function reader(): BetterSqlite3.Database {
  const db = new BetterSqlite3(dbPath, { readonly: true });
  readers.push(db);
  return db;
}

const count = (db: BetterSqlite3.Database, table: string) =>
  (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tern-store-'));
  dbPath = join(dir, 'agent', 'tern.db');
});

afterEach(() => {
  for (const db of readers.splice(0)) db.close();
  for (const s of open.splice(0)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('opening', () => {
  it('creates the database and its folder, in WAL mode, at the latest schema version', () => {
    store();
    const db = reader();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)?.version);
  });

  it('refuses a database written by a newer schema version', () => {
    store().close();
    const db = new BetterSqlite3(dbPath);
    db.pragma(`user_version = ${(MIGRATIONS.at(-1)?.version ?? 0) + 1}`);
    db.close();
    expect(() => store()).toThrow(/newer than this version of Tern knows/);
  });

  it('sees everything written before it was closed and reopened', async () => {
    const first = store();
    const execution = anExecution({ state: 'SUCCESS' });
    const taskRun = aTaskRun(execution.id, { state: 'SUCCESS' });
    const line = aLogLine(execution.id, { taskRunId: taskRun.id, taskId: 'read', attempt: 1 });
    first.saveExecution(execution);
    first.saveTaskRun(taskRun);
    first.appendLog(line);
    first.kv.set('plant1', 'setpoint', 42);
    first.close();

    const second = store();
    expect(await second.getExecution(execution.id)).toEqual({ execution, taskRuns: [taskRun] });
    expect(await second.listLogs(execution.id)).toEqual([line]);
    expect(second.kv.get('plant1', 'setpoint')).toBe(42);
  });
});

describe('group commit', () => {
  it('does not write a save synchronously', () => {
    const s = store();
    s.saveExecution(anExecution());
    expect(count(reader(), 'executions')).toBe(0);
  });

  it('commits queued writes after the commit delay without a flush', async () => {
    const s = store();
    const execution = anExecution();
    s.saveExecution(execution);
    s.saveTaskRun(aTaskRun(execution.id));
    s.appendLog(aLogLine(execution.id));
    const db = reader();
    await vi.waitFor(
      () => expect([count(db, 'executions'), count(db, 'task_runs'), count(db, 'logs')]).toEqual([1, 1, 1]),
      { timeout: 1000, interval: 1 },
    );
  });

  it('resolves flush once every earlier write is visible to another connection', async () => {
    const s = store();
    const executions = Array.from({ length: 50 }, () => anExecution());
    for (const e of executions) {
      s.saveExecution(e);
      s.saveTaskRun(aTaskRun(e.id));
    }
    await s.flush();
    const db = reader();
    expect([count(db, 'executions'), count(db, 'task_runs')]).toEqual([50, 50]);
  });

  it('commits the writes of a whole commit delay together while nothing awaits them', async () => {
    const s = store({ commitDelayMs: 300, outbox: true });
    const appends: number[] = [];
    s.onOutboxAppend((append) => appends.push(append.count));
    const started = performance.now();
    const executions = Array.from({ length: 5 }, () => anExecution());
    for (const e of executions) {
      s.saveExecution(e);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await vi.waitFor(() => expect(appends).toEqual([5]), { timeout: 2000, interval: 5 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(295);
    expect(count(reader(), 'executions')).toBe(5);
  });

  it('commits within the flush delay once a flush awaits, however long the commit delay', async () => {
    const s = store({ commitDelayMs: 60_000 });
    s.saveExecution(anExecution());
    const started = performance.now();
    await s.flush();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(count(reader(), 'executions')).toBe(1);
  });

  it('resolves flush at once when nothing is queued', async () => {
    await expect(store().flush()).resolves.toBeUndefined();
  });

  it('keeps the last of several saves of one execution within a batch', async () => {
    const s = store();
    const execution = anExecution();
    s.saveExecution(execution);
    s.saveExecution({ ...execution, state: 'SUCCESS', endDate: new Date().toISOString() });
    await s.flush();
    const row = reader().prepare('SELECT state, end_date FROM executions WHERE id = ?').get(execution.id);
    expect(row).toMatchObject({ state: 'SUCCESS', end_date: expect.any(String) });
  });

  it('keeps the last of several saves of one task run within a batch', async () => {
    const s = store();
    const taskRun = aTaskRun('exec-1');
    s.saveTaskRun(taskRun);
    s.saveTaskRun({ ...taskRun, state: 'FAILED', error: 'sensor offline' });
    await s.flush();
    const row = reader().prepare('SELECT state, doc FROM task_runs WHERE id = ?').get(taskRun.id) as {
      state: string;
      doc: string;
    };
    expect([row.state, JSON.parse(row.doc).error]).toEqual(['FAILED', 'sensor offline']);
  });

  it('serialises a saved record when its batch commits, once, in its latest state', async () => {
    const s = store();
    const execution = anExecution();
    s.saveExecution(execution);
    execution.state = 'FAILED';
    s.saveExecution(execution);
    expect((await s.getExecution(execution.id))?.execution.state).toBe('FAILED');
    execution.state = 'SUCCESS';
    expect((await s.getExecution(execution.id))?.execution.state).toBe('FAILED');
  });

  it('replaces an execution saved in an earlier batch', async () => {
    const s = store();
    const execution = anExecution();
    s.saveExecution(execution);
    await s.flush();
    s.saveExecution({ ...execution, state: 'WARNING' });
    await s.flush();
    expect(count(reader(), 'executions')).toBe(1);
    expect((await s.getExecution(execution.id))?.execution.state).toBe('WARNING');
  });

  it('keeps queued writes when a commit fails and commits them on the next flush', async () => {
    const errors: unknown[] = [];
    const s = store({ busyTimeoutMs: 0, onWriteError: (e) => errors.push(e) });
    const other = new BetterSqlite3(dbPath);
    readers.push(other);
    other.exec('BEGIN IMMEDIATE'); // holds the write lock: our commit gets SQLITE_BUSY
    const execution = anExecution();
    s.saveExecution(execution);
    await expect(s.flush()).rejects.toThrow(/locked|busy/i);
    other.exec('COMMIT');
    await s.flush();
    expect((await s.getExecution(execution.id))?.execution).toEqual(execution);
  });

  it('reports a failed background commit to onWriteError', async () => {
    const errors: unknown[] = [];
    const s = store({ busyTimeoutMs: 0, onWriteError: (e) => errors.push(e) });
    const other = new BetterSqlite3(dbPath);
    readers.push(other);
    other.exec('BEGIN IMMEDIATE');
    s.saveExecution(anExecution());
    await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 1000, interval: 1 });
    other.exec('COMMIT');
  });

  it('commits queued writes on close', async () => {
    const s = store();
    const execution = anExecution();
    s.saveExecution(execution);
    s.close();
    expect(count(reader(), 'executions')).toBe(1);
  });

  it('refuses writes after close', () => {
    const s = store();
    s.close();
    expect(() => s.saveExecution(anExecution())).toThrow(/closed/);
  });
});

describe('threads', () => {
  it.runIf(process.platform === 'linux')(
    'commits and checkpoints on one worker thread: a store adds one low-priority thread to the process',
    async () => {
      // The store's threads lower themselves to nice 19 (runtime/thread-priority.ts); the process's other threads do not.
      const threads = () =>
        readdirSync('/proc/self/task').filter((tid) => threadScheduling(Number(tid)).nice === 19);
      // Threads of earlier tests may still be exiting: only the threads this store adds count.
      const before = new Set(threads());
      const s = store();
      // The schema is still in the WAL: the database file grows once a checkpoint copies it there.
      const opened = statSync(dbPath).size;
      s.saveExecution(anExecution());
      await s.flush();
      await vi.waitFor(() => expect(statSync(dbPath).size).toBeGreaterThan(opened), {
        timeout: 5000,
        interval: 10,
      });
      expect(threads().filter((tid) => !before.has(tid))).toHaveLength(1);
    },
  );
});

describe('reads', () => {
  it('see writes that are still queued', async () => {
    const s = store();
    const execution = anExecution();
    s.saveExecution(execution);
    expect((await s.getExecution(execution.id))?.execution).toEqual(execution);
  });

  it('return an execution with its task runs in the order they were created', async () => {
    const s = store();
    const execution = anExecution();
    const runs = [aTaskRun(execution.id, { taskId: 'a' }), aTaskRun(execution.id, { taskId: 'b' })];
    s.saveExecution(execution);
    for (const run of runs) s.saveTaskRun(run);
    await s.flush();
    s.saveTaskRun({ ...runs[0]!, state: 'SUCCESS' }); // an update keeps its place
    const found = await s.getExecution(execution.id);
    expect(found?.taskRuns.map((r) => [r.taskId, r.state])).toEqual([
      ['a', 'SUCCESS'],
      ['b', 'RUNNING'],
    ]);
  });

  it('return undefined for an unknown execution', async () => {
    expect(await store().getExecution('missing')).toBeUndefined();
  });

  it('list executions in the given states, oldest first', async () => {
    const s = store();
    const newer = anExecution({ state: 'RUNNING', startDate: '2024-05-02T10:00:00.000Z' });
    const older = anExecution({ state: 'PAUSED', startDate: '2024-05-01T10:00:00.000Z' });
    const done = anExecution({ state: 'SUCCESS', startDate: '2024-04-30T10:00:00.000Z' });
    for (const e of [newer, older, done]) s.saveExecution(e);
    const found = await s.listExecutionsByState(['RUNNING', 'PAUSED']);
    expect(found.map((e) => e.id)).toEqual([older.id, newer.id]);
  });

  it('list no executions for no states', async () => {
    const s = store();
    s.saveExecution(anExecution());
    expect(await s.listExecutionsByState([])).toEqual([]);
  });

  it('list an execution by its latest state only', async () => {
    const s = store();
    const execution = anExecution({ state: 'RUNNING' });
    s.saveExecution(execution);
    await s.flush();
    s.saveExecution({ ...execution, state: 'SUCCESS' });
    expect(await s.listExecutionsByState(['RUNNING'])).toEqual([]);
  });

  it('list an execution’s log lines in the order they were appended, and no others', async () => {
    const s = store();
    const execution = anExecution();
    const lines = ['first', 'second', 'third'].map((message, i) =>
      aLogLine(execution.id, { message, level: i === 1 ? 'WARN' : 'INFO' }),
    );
    for (const line of lines) s.appendLog(line);
    s.appendLog(aLogLine('another-execution'));
    expect(await s.listLogs(execution.id)).toEqual(lines);
  });
});

describe('file storage location', () => {
  it('defaults to a files folder next to the database', () => {
    expect(store().files.root).toBe(join(dir, 'agent', 'files'));
  });

  it('uses a temporary folder for an in-memory store and removes it on close', () => {
    const s = openSqliteStore({ path: ':memory:' });
    const root = s.files.root;
    expect(existsSync(root)).toBe(true);
    s.close();
    expect(existsSync(root)).toBe(false);
  });
});
