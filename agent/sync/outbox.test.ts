/** The sync outbox on real SQLite files: written with the state it mirrors, read in order, trimmed, kept within limits. */
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseMessage } from '../../protocol/messages.js';
import { aLogLine, anExecution, aTaskRun } from '../../test/support/fixtures.js';
import type { OutboxLimits } from '../config.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite-store.js';
import { encodeEvents, MAX_RECORD_BYTES, Outbox, type OutboxRow } from './outbox.js';

let dir: string;
let dbPath: string;
const opened: SqliteStore[] = [];
const outboxes: Outbox[] = [];
const others: BetterSqlite3.Database[] = [];

const roomy: OutboxLimits = { maxRows: 1000, maxBytes: 1 << 30, maxAgeMs: 3600_000, policy: 'drop-oldest' };

function store(options: { outbox?: boolean; busyTimeoutMs?: number } = {}): SqliteStore {
  const s = openSqliteStore({ path: dbPath, outbox: options.outbox ?? true, clock, ...options });
  opened.push(s);
  return s;
}

function outboxOf(s: SqliteStore, limits: Partial<OutboxLimits> = {}): Outbox {
  const o = new Outbox(s, { ...roomy, ...limits }, { now: () => clock.now() });
  outboxes.push(o);
  return o;
}

/** A second connection: what it sees is what was committed. */
function other(): BetterSqlite3.Database {
  const db = new BetterSqlite3(dbPath);
  others.push(db);
  return db;
}

const rows = (s: SqliteStore) =>
  s.database.prepare('SELECT seq, kind, payload FROM outbox ORDER BY seq').all() as {
    seq: number;
    kind: string;
    payload: string;
  }[];

/** Appends `n` log lines in one commit. */
async function logs(s: SqliteStore, n: number, message = 'x'): Promise<void> {
  for (let i = 0; i < n; i++) s.appendLog(aLogLine('e1', { message: `${message}${i}` }));
  await s.flush();
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tern-outbox-'));
  dbPath = join(dir, 'tern.db');
  now = 1_700_000_000_000;
});

/** A clock the tests move by hand: records age only when told to. */
let now = 0;
const clock = { now: () => now };
const advance = (ms: number) => {
  now += ms;
};

afterEach(() => {
  for (const o of outboxes.splice(0)) o.close();
  for (const db of others.splice(0)) db.close();
  for (const s of opened.splice(0)) s.close();
});

describe('store with the outbox on', () => {
  it('appends a record for each execution upsert, task run upsert and log line of a commit', async () => {
    const s = store();
    const e = anExecution();
    const tr = aTaskRun(e.id);
    s.saveExecution(e);
    s.saveTaskRun(tr);
    s.appendLog(aLogLine(e.id, { message: 'hello' }));
    await s.flush();
    expect(rows(s).map((r) => [r.kind, JSON.parse(r.payload).message ?? JSON.parse(r.payload).id])).toEqual([
      ['execution', e.id],
      ['taskRun', tr.id],
      ['log', 'hello'],
    ]);
  });

  it('writes one record per entity and batch, holding its latest state', async () => {
    const s = store();
    const e = anExecution();
    s.saveExecution(e);
    s.saveExecution({ ...e, state: 'SUCCESS' });
    await s.flush();
    expect(rows(s).map((r) => JSON.parse(r.payload).state)).toEqual(['SUCCESS']);
  });

  it('writes a record for every batch that changed the entity', async () => {
    const s = store();
    const e = anExecution();
    s.saveExecution(e);
    await s.flush();
    s.saveExecution({ ...e, state: 'SUCCESS' });
    await s.flush();
    expect(rows(s).map((r) => JSON.parse(r.payload).state)).toEqual(['RUNNING', 'SUCCESS']);
  });

  it('keeps neither the state nor its outbox records of a commit that failed', async () => {
    const s = store({ busyTimeoutMs: 0 });
    const lock = other();
    lock.exec('BEGIN IMMEDIATE');
    s.saveExecution(anExecution());
    await expect(s.flush()).rejects.toThrow(/locked|busy/i);
    lock.exec('ROLLBACK');
    const count = (table: string) =>
      (lock.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    expect([count('executions'), count('outbox')]).toEqual([0, 0]);
  });

  it('writes no outbox record when the outbox is off', async () => {
    const s = store({ outbox: false });
    s.saveExecution(anExecution());
    await s.flush();
    expect(rows(s)).toEqual([]);
  });

  it('refuses an outbox-only record when the outbox is off', () => {
    const s = store({ outbox: false });
    expect(() => s.appendOutboxRecord('command', { commandId: 'c', ok: true })).toThrow(/without the outbox/);
  });
});

describe('reading and trimming', () => {
  it('reads the records after a seq in order, at most the number asked', async () => {
    const s = store();
    const o = outboxOf(s);
    await logs(s, 5);
    expect(o.read(1, 3, 1 << 20)?.rows.map((r) => r.seq)).toEqual([2, 3, 4]);
  });

  it('stops a batch before it exceeds the byte budget', async () => {
    const s = store();
    const o = outboxOf(s);
    await logs(s, 5);
    const one = o.read(0, 1, 1 << 20)!.bytes;
    expect(o.read(0, 10, one * 2 + 1)?.rows.length).toBe(2);
  });

  it('reads one record even when it alone exceeds the byte budget', async () => {
    const s = store();
    const o = outboxOf(s);
    await logs(s, 2);
    expect(o.read(0, 10, 1)?.rows.map((r) => r.seq)).toEqual([1]);
  });

  it('reads nothing after the last record', async () => {
    const s = store();
    const o = outboxOf(s);
    await logs(s, 2);
    expect(o.read(2, 10, 1 << 20)).toBeUndefined();
  });

  it('deletes records up to the acked seq and keeps the rest', async () => {
    const s = store();
    const o = outboxOf(s);
    await logs(s, 5);
    expect(o.trim(3)).toBe(3);
    expect(rows(s).map((r) => r.seq)).toEqual([4, 5]);
  });

  it('waits for a write held by another connection instead of failing', async () => {
    const s = store();
    const o = outboxOf(s);
    await logs(s, 5);
    // Another thread takes the write lock and keeps it for 200 ms: trimming blocks this thread meanwhile.
    const holder = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const db = new (require('better-sqlite3'))(workerData);
       db.exec('BEGIN IMMEDIATE');
       db.exec("INSERT INTO agent_state (key, value) VALUES ('held', '1')");
       parentPort.postMessage('locked');
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
       db.exec('COMMIT');
       db.close();`,
      { eval: true, workerData: dbPath },
    );
    await once(holder, 'message');
    expect(o.trim(3)).toBe(3);
    await once(holder, 'exit');
    expect(rows(s).map((r) => r.seq)).toEqual([4, 5]);
    expect(other().prepare("SELECT value FROM agent_state WHERE key = 'held'").get()).toEqual({ value: '1' });
  });

  it('remembers the acked seq across a reopen', async () => {
    const s = store();
    await logs(s, 5);
    outboxOf(s).trim(3);
    s.close();
    expect(outboxOf(store()).ackedSeq).toBe(3);
  });

  it('does not take an ack beyond the highest seq appended', async () => {
    const s = store();
    const o = outboxOf(s);
    await logs(s, 2);
    o.trim(99);
    await logs(s, 1);
    expect([o.ackedSeq, o.read(o.ackedSeq, 10, 1 << 20)?.rows.map((r) => r.seq)]).toEqual([2, [3]]);
  });

  it('keeps its store id across a reopen, and a new store gets a new one', async () => {
    const first = outboxOf(store()).storeId;
    opened.at(-1)!.close();
    expect(outboxOf(store()).storeId).toBe(first);
    const fresh = openSqliteStore({
      path: join(mkdtempSync(join(tmpdir(), 'tern-outbox-')), 'tern.db'),
      outbox: true,
    });
    opened.push(fresh);
    expect(outboxOf(fresh).storeId).not.toBe(first);
    expect(first).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('ignores an ack below the acked seq', async () => {
    const s = store();
    const o = outboxOf(s);
    await logs(s, 4);
    o.trim(3);
    expect([o.trim(1), o.ackedSeq]).toEqual([0, 3]);
  });

  it('never reuses a seq, even once everything is acked and the store reopened', async () => {
    const s = store();
    await logs(s, 3);
    outboxOf(s).trim(3);
    s.close();
    const again = store();
    const o = outboxOf(again);
    await logs(again, 1);
    expect(o.read(0, 10, 1 << 20)?.rows.map((r) => r.seq)).toEqual([4]);
  });

  it('counts depth and bytes as records come and go', async () => {
    const s = store();
    const o = outboxOf(s);
    await logs(s, 4);
    const all = o.read(0, 10, 1 << 20)!;
    o.trim(1);
    const { depth, bytes, highSeq, ackedSeq } = o.stats();
    expect({ depth, bytes, highSeq, ackedSeq }).toEqual({
      depth: 3,
      bytes: all.bytes - all.rows[0]!.bytes,
      highSeq: 4,
      ackedSeq: 1,
    });
  });

  it('reports the age of the oldest record', async () => {
    const s = store();
    const o = outboxOf(s);
    await logs(s, 1);
    advance(1500);
    await logs(s, 1);
    expect(o.stats().oldestAgeMs).toBe(1500);
  });

  it('queues a command answer after the state changes queued before it', async () => {
    const s = store();
    const o = outboxOf(s);
    s.saveExecution(anExecution());
    o.appendCommand({ commandId: 'c1', ok: true });
    await s.flush();
    expect(rows(s).map((r) => r.kind)).toEqual(['execution', 'command']);
  });

  it('tells listeners what each commit appended', async () => {
    const s = store();
    const o = outboxOf(s);
    const seen: unknown[] = [];
    o.onAppend((a) => seen.push({ count: a.count, highSeq: a.highSeq }));
    await logs(s, 3);
    expect(seen).toEqual([{ count: 3, highSeq: 3 }]);
  });
});

describe('drop-oldest', () => {
  it('keeps the newest records within maxRows and counts the dropped ones', async () => {
    const s = store();
    const o = outboxOf(s, { maxRows: 3 });
    await logs(s, 5);
    expect([rows(s).map((r) => r.seq), o.stats().dropped]).toEqual([[3, 4, 5], 2]);
  });

  it('keeps the newest records within maxBytes', async () => {
    const s = store();
    const o = outboxOf(s);
    await logs(s, 1);
    const one = o.stats().bytes;
    o.close();
    const limited = outboxOf(s, { maxBytes: one * 2 });
    await logs(s, 3, 'y');
    expect([rows(s).map((r) => r.seq), limited.stats().bytes <= one * 2]).toEqual([[3, 4], true]);
  });

  it('drops records older than maxAgeMs', async () => {
    const s = store();
    const o = outboxOf(s, { maxAgeMs: 1000 });
    await logs(s, 2);
    advance(600);
    await logs(s, 1);
    advance(500);
    o.enforce();
    expect([rows(s).map((r) => r.seq), o.stats().dropped]).toEqual([[3], 2]);
  });

  it('remembers the dropped count across a reopen', async () => {
    const s = store();
    outboxOf(s, { maxRows: 1 });
    await logs(s, 3);
    s.close();
    expect(outboxOf(store(), { maxRows: 1 }).stats().dropped).toBe(2);
  });

  it('is never full', async () => {
    const s = store();
    const o = outboxOf(s, { maxRows: 1 });
    await logs(s, 3);
    expect(o.full).toBe(false);
  });
});

describe('pause-triggers', () => {
  it('is full once maxRows records wait, and keeps every record', async () => {
    const s = store();
    const o = outboxOf(s, { maxRows: 3, policy: 'pause-triggers' });
    await logs(s, 4);
    expect([o.full, o.stats().full, rows(s).length, o.stats().dropped]).toEqual([true, true, 4, 0]);
  });

  it('is not full again once acks bring it below its limits', async () => {
    const s = store();
    const o = outboxOf(s, { maxRows: 3, policy: 'pause-triggers' });
    await logs(s, 4);
    o.trim(2);
    expect(o.full).toBe(false);
  });

  it('is full when the oldest record is older than maxAgeMs', async () => {
    const s = store();
    const o = outboxOf(s, { maxAgeMs: 1000, policy: 'pause-triggers' });
    await logs(s, 1);
    advance(1000);
    o.enforce();
    expect(o.full).toBe(true);
  });

  it('tells listeners when it becomes full and when it is not any more', async () => {
    const s = store();
    const o = outboxOf(s, { maxRows: 2, policy: 'pause-triggers' });
    const seen: boolean[] = [];
    o.onFullChange((full) => seen.push(full));
    await logs(s, 2);
    await logs(s, 1);
    o.trim(3);
    expect(seen).toEqual([true, false]);
  });
});

describe('encodeEvents', () => {
  const row = (seq: number, payload: string): OutboxRow => ({
    seq,
    kind: 'log',
    payload,
    bytes: Buffer.byteLength(payload),
    createdAt: Date.UTC(2025, 0, 2, 3, 4, 5, 6),
  });

  it('builds a valid events message holding each stored record as data, the seq it follows and its store', () => {
    const msg = parseMessage(
      'events',
      encodeEvents([row(4, '{"message":"a"}'), row(5, '{"message":"b"}')], 2, 'store-1'),
    );
    expect(msg).toEqual({
      ok: true,
      value: {
        store: 'store-1',
        after: 2,
        records: [
          { seq: 4, kind: 'log', at: '2025-01-02T03:04:05.006Z', data: { message: 'a' } },
          { seq: 5, kind: 'log', at: '2025-01-02T03:04:05.006Z', data: { message: 'b' } },
        ],
      },
    });
  });

  it('sends a placeholder with the ids and size of a record too large for any message', () => {
    const payload = JSON.stringify({ id: 'e1', executionId: 'x1', big: 'z'.repeat(MAX_RECORD_BYTES) });
    const msg = parseMessage('events', encodeEvents([row(1, payload)], 0, 'store-1'));
    expect(msg.ok && msg.value.records[0]?.data).toEqual({
      id: 'e1',
      executionId: 'x1',
      tooLarge: true,
      bytes: Buffer.byteLength(payload),
    });
  });
});
