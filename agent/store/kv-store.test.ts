/** SqliteKvStore: JSON values per namespace, expiry, and immediate visibility, on a real database file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from './sqlite-store.js';

let dir: string;
let dbPath: string;
let now: number;
let store: SqliteStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tern-kv-'));
  dbPath = join(dir, 'tern.db');
  now = Date.parse('2024-05-01T00:00:00Z');
  store = openSqliteStore({ path: dbPath, clock: { now: () => now } });
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteKvStore', () => {
  it.each([
    ['a string', 'on'],
    ['a number', 21.5],
    ['a boolean', false],
    ['null', null],
    ['a list', [1, 'two', { three: 3 }]],
    ['a map', { temp: 21.5, tags: ['a', 'b'], nested: { ok: true } }],
  ])('returns %s as it was set', (_what, value) => {
    store.kv.set('plant1', 'k', value);
    expect(store.kv.get('plant1', 'k')).toEqual(value);
  });

  it('returns undefined for a key never set', () => {
    expect(store.kv.get('plant1', 'missing')).toBeUndefined();
  });

  it('keeps namespaces apart', () => {
    store.kv.set('plant1', 'mode', 'auto');
    store.kv.set('plant2', 'mode', 'manual');
    expect([store.kv.get('plant1', 'mode'), store.kv.get('plant2', 'mode')]).toEqual(['auto', 'manual']);
  });

  it('replaces an earlier value', () => {
    store.kv.set('plant1', 'mode', 'auto');
    store.kv.set('plant1', 'mode', 'manual');
    expect(store.kv.get('plant1', 'mode')).toBe('manual');
  });

  it('makes a value visible to another connection at once, without a flush', () => {
    store.kv.set('plant1', 'mode', 'auto');
    const other = new BetterSqlite3(dbPath, { readonly: true });
    const row = other.prepare('SELECT value FROM kv WHERE namespace = ? AND key = ?').get('plant1', 'mode');
    other.close();
    expect(row).toEqual({ value: JSON.stringify('auto') });
  });

  it('reads a value until its time to live has passed', () => {
    store.kv.set('plant1', 'token', 'abc', 60_000);
    now += 59_999;
    expect(store.kv.get('plant1', 'token')).toBe('abc');
  });

  it('reads an expired value as undefined', () => {
    store.kv.set('plant1', 'token', 'abc', 60_000);
    now += 60_000;
    expect(store.kv.get('plant1', 'token')).toBeUndefined();
  });

  it('deletes an expired value when it is read', () => {
    store.kv.set('plant1', 'token', 'abc', 1000);
    now += 1000;
    store.kv.get('plant1', 'token');
    const other = new BetterSqlite3(dbPath, { readonly: true });
    const rows = other.prepare('SELECT count(*) AS n FROM kv').get();
    other.close();
    expect(rows).toEqual({ n: 0 });
  });

  it('drops the time to live when a value is set again without one', () => {
    store.kv.set('plant1', 'token', 'abc', 1000);
    store.kv.set('plant1', 'token', 'def');
    now += 10_000;
    expect(store.kv.get('plant1', 'token')).toBe('def');
  });

  it('deletes a key and says whether it held a value', () => {
    store.kv.set('plant1', 'mode', 'auto');
    expect(store.kv.delete('plant1', 'mode')).toBe(true);
    expect(store.kv.get('plant1', 'mode')).toBeUndefined();
  });

  it('says a key held no value when deleting a missing or expired key', () => {
    store.kv.set('plant1', 'token', 'abc', 1000);
    now += 1000;
    expect([store.kv.delete('plant1', 'missing'), store.kv.delete('plant1', 'token')]).toEqual([
      false,
      false,
    ]);
  });

  it('refuses a value that has no JSON form', () => {
    expect(() => store.kv.set('plant1', 'fn', () => 1)).toThrow(/cannot be stored as JSON/);
  });

  it('refuses a time to live that is not positive', () => {
    expect(() => store.kv.set('plant1', 'k', 1, 0)).toThrow(/positive/);
  });
});
