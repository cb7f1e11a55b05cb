/** SqliteTriggerStateStore: a trigger's saved values, with saves and deletes of one key queued in the same batch. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from './sqlite-store.js';
import { SqliteTriggerStateStore } from './trigger-state.js';

const scope = { namespace: 'site', flowId: 'watch', triggerId: 'files' };
let dir: string;
let store: SqliteStore;
let state: SqliteTriggerStateStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tern-trigger-state-'));
  store = openSqliteStore({ path: join(dir, 'tern.db') });
  state = new SqliteTriggerStateStore(store);
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteTriggerStateStore', () => {
  it('deletes a key saved earlier in the same batch', async () => {
    state.save(scope, 'one', { size: 1 });
    state.save(scope, 'two', { size: 2 });
    state.save(scope, 'one', undefined);
    await store.flush();
    expect(Object.fromEntries(state.load(scope))).toEqual({ two: { size: 2 } });
  });

  it('saves a key deleted earlier in the same batch', async () => {
    state.save(scope, 'one', { size: 1 });
    await store.flush();
    state.save(scope, 'one', undefined);
    state.save(scope, 'one', { size: 3 });
    await store.flush();
    expect(Object.fromEntries(state.load(scope))).toEqual({ one: { size: 3 } });
  });

  it('keeps only what is saved after a clear', async () => {
    state.save(scope, 'one', { size: 1 });
    state.clear(scope);
    state.save(scope, 'two', { size: 2 });
    await store.flush();
    expect(Object.fromEntries(state.load(scope))).toEqual({ two: { size: 2 } });
  });
});
