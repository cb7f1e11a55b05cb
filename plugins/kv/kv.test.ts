/** kv.set and kv.get against the real SQLite store's KV, through a stand-alone task context. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../../agent/store/sqlite-store.js';
import { TaskError } from '../../protocol/errors.js';
import type { TaskDefinition } from '../../protocol/plugin.js';
import { testContext } from '../../test/support/task-context.js';
import get from './get.js';
import set from './set.js';

let dir: string;
let now: number;
let store: SqliteStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tern-kv-task-'));
  now = Date.parse('2024-05-01T00:00:00Z');
  store = openSqliteStore({ path: join(dir, 'tern.db'), clock: { now: () => now } });
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const ctx = () => testContext({ kv: store.kv });

async function run<P>(task: TaskDefinition<P>, props: P) {
  return (await task.run(props, ctx()))?.outputs;
}

async function failure<P>(task: TaskDefinition<P>, props: P): Promise<TaskError> {
  const error = await Promise.resolve()
    .then(() => task.run(props, ctx()))
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  if (!(error instanceof TaskError)) throw new Error(`expected a TaskError, got ${String(error)}`);
  return error;
}

describe('kv.set', () => {
  it('is registered under its short type and Kestra name', () => {
    expect([set.type, ...set.aliases]).toEqual(['kv.set', 'io.kestra.plugin.core.kv.Set']);
  });

  it("stores the value in the flow's namespace by default", async () => {
    await run(set, { key: 'mode', value: 'auto' });
    expect(store.kv.get(testContext().execution.namespace, 'mode')).toBe('auto');
  });

  it('stores the value in the given namespace', async () => {
    await run(set, { key: 'mode', value: 'auto', namespace: 'plant2' });
    expect(store.kv.get('plant2', 'mode')).toBe('auto');
  });

  it('stores a map as it is without kvType', async () => {
    await run(set, { key: 'cal', value: { offset: 0.4 }, namespace: 'p' });
    expect(store.kv.get('p', 'cal')).toEqual({ offset: 0.4 });
  });

  it('replaces an existing value by default', async () => {
    await run(set, { key: 'mode', value: 'auto', namespace: 'p' });
    await run(set, { key: 'mode', value: 'manual', namespace: 'p' });
    expect(store.kv.get('p', 'mode')).toBe('manual');
  });

  it('fails without touching an existing value when overwrite is false', async () => {
    await run(set, { key: 'mode', value: 'auto', namespace: 'p' });
    const error = await failure(set, { key: 'mode', value: 'manual', namespace: 'p', overwrite: false });
    expect([error.message, store.kv.get('p', 'mode')]).toEqual([
      "KV key 'mode' already exists in namespace 'p' and overwrite is false",
      'auto',
    ]);
  });

  it('sets a missing key when overwrite is false', async () => {
    await run(set, { key: 'mode', value: 'auto', namespace: 'p', overwrite: false });
    expect(store.kv.get('p', 'mode')).toBe('auto');
  });

  it('makes the value expire after ttl', async () => {
    await run(set, { key: 'token', value: 'abc', namespace: 'p', ttl: 'PT1H' });
    const before = store.kv.get('p', 'token');
    now += 3_600_000;
    expect([before, store.kv.get('p', 'token')]).toEqual(['abc', undefined]);
  });

  it('refuses a ttl that is not an ISO-8601 duration', async () => {
    const error = await failure(set, { key: 'k', value: 1, ttl: '1h' });
    expect([error.message, error.retryable]).toEqual([
      "ttl: '1h' is not a positive ISO-8601 duration such as PT1H",
      false,
    ]);
  });

  it('refuses a key that is not an identifier', async () => {
    expect((await failure(set, { key: 'a/b', value: 1 })).message).toMatch(/not a valid KV key/);
  });

  it.each([
    ['STRING', 42, '42'],
    ['STRING', 'on', 'on'],
    ['NUMBER', ' 21.5 ', 21.5],
    ['NUMBER', 7, 7],
    ['BOOLEAN', 'TRUE', true],
    ['BOOLEAN', false, false],
    ['DATETIME', '2024-05-01T10:00:00+02:00', '2024-05-01T08:00:00.000Z'],
    ['DATE', '2024-05-01', '2024-05-01'],
    ['DURATION', 'PT1H30M', 'PT1H30M'],
    ['JSON', '{"offset": 0.4}', { offset: 0.4 }],
    ['JSON', [1, 2], [1, 2]],
  ] as const)('stores kvType %s %j as %j', async (kvType, value, stored) => {
    await run(set, { key: 'k', value, kvType, namespace: 'p' });
    expect(store.kv.get('p', 'k')).toEqual(stored);
  });

  it.each([
    ['NUMBER', 'twenty'],
    ['NUMBER', ''],
    ['BOOLEAN', 'yes'],
    ['DATETIME', 'yesterday'],
    ['DATE', '2024-13-01'],
    ['DURATION', '90 minutes'],
    ['JSON', '{broken'],
  ] as const)('refuses kvType %s for %j and stores nothing', async (kvType, value) => {
    const error = await failure(set, { key: 'k', value, kvType, namespace: 'p' });
    expect([error.message.startsWith(`kvType ${kvType}:`), error.retryable, store.kv.get('p', 'k')]).toEqual([
      true,
      false,
      undefined,
    ]);
  });
});

describe('kv.get', () => {
  it('is registered under its short type and Kestra name', () => {
    expect([get.type, ...get.aliases]).toEqual(['kv.get', 'io.kestra.plugin.core.kv.Get']);
  });

  it('returns a value stored by kv.set', async () => {
    await run(set, { key: 'cal', value: { offset: 0.4 } });
    expect(await run(get, { key: 'cal' })).toEqual({ value: { offset: 0.4 } });
  });

  it('reads from the given namespace', async () => {
    store.kv.set('plant2', 'mode', 'manual');
    expect(await run(get, { key: 'mode', namespace: 'plant2' })).toEqual({ value: 'manual' });
  });

  it('returns null for a missing key', async () => {
    expect(await run(get, { key: 'missing' })).toEqual({ value: null });
  });

  it('fails on a missing key with errorOnMissing', async () => {
    const error = await failure(get, { key: 'missing', errorOnMissing: true });
    expect([error.message, error.retryable]).toEqual([
      `KV key 'missing' has no value in namespace '${testContext().execution.namespace}'`,
      false,
    ]);
  });

  it('treats an expired key as missing', async () => {
    await run(set, { key: 'token', value: 'abc', ttl: 'PT1M' });
    now += 60_000;
    expect(await run(get, { key: 'token' })).toEqual({ value: null });
  });
});
