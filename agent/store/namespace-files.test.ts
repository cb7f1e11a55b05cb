/** SqliteNamespaceFiles: bytes per namespace and path, local revisions, the hub's set replacing the local one. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from './sqlite-store.js';

let dir: string;
let store: SqliteStore;
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tern-nsfiles-'));
  store = openSqliteStore({ path: join(dir, 'tern.db') });
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteNamespaceFiles', () => {
  it('reads back what was written, with or without the leading slash, binary bytes intact', async () => {
    const blob = new Uint8Array([0, 255, 0, 10]);
    await store.namespaceFiles.put('plant1', '/bin/blob.dat', blob);
    expect([...store.namespaceFiles.get('plant1', 'bin/blob.dat')!]).toEqual([...blob]);
    expect(store.namespaceFiles.get('plant2', 'bin/blob.dat')).toBeUndefined();
  });

  it('counts local revisions and lists files by path with their sizes', async () => {
    await store.namespaceFiles.put('plant1', 'b.sql', bytes('SELECT 1'));
    await store.namespaceFiles.put('plant1', 'a.sql', bytes('SELECT 22'));
    await store.namespaceFiles.put('plant1', 'a.sql', bytes('SELECT 333'));
    expect(store.namespaceFiles.list('plant1').map((f) => [f.path, f.size, f.revision])).toEqual([
      ['a.sql', 10, 2],
      ['b.sql', 8, 1],
    ]);
  });

  it("replaces a namespace's files with the hub's set in one go, keeping the hub's revisions", async () => {
    await store.namespaceFiles.put('plant1', 'local-only.txt', bytes('x'));
    await store.namespaceFiles.put('plant1', 'shared.txt', bytes('mine'));
    store.namespaceFiles.replaceNamespace('plant1', [
      { path: 'shared.txt', revision: 7, content: bytes('hub'), updatedAt: '2026-01-01T00:00:00.000Z' },
    ]);
    expect(store.namespaceFiles.list('plant1').map((f) => [f.path, f.revision])).toEqual([['shared.txt', 7]]);
    expect(text(store.namespaceFiles.get('plant1', 'shared.txt'))).toBe('hub');
  });

  it('survives a reopen of the database', async () => {
    await store.namespaceFiles.put('plant1', 'keep.txt', bytes('kept'));
    store.close();
    store = openSqliteStore({ path: join(dir, 'tern.db') });
    expect(text(store.namespaceFiles.get('plant1', 'keep.txt'))).toBe('kept');
  });
});
