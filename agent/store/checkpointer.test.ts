import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WalCheckpointer } from './checkpointer.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A WAL database with `rows` rows of 1 KB that stay in the WAL until someone
 * checkpoints, and the size of the database file before that.
 */
function walDatabase(rows: number): { db: BetterSqlite3.Database; path: string; before: number } {
  dir = mkdtempSync(join(tmpdir(), 'tern-checkpoint-'));
  const path = join(dir, 'tern.db');
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (v TEXT)');
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run('x'.repeat(1000));
  })();
  return { db, path, before: statSync(path).size };
}

describe('WalCheckpointer', () => {
  it('copies the WAL into the database file on its worker', async () => {
    const { db, path, before } = walDatabase(500);
    const checkpointer = new WalCheckpointer({ path });
    checkpointer.committed();
    await vi.waitFor(() => expect(statSync(path).size).toBeGreaterThan(before + 400_000), {
      timeout: 5000,
      interval: 10,
    });
    checkpointer.close();
    db.close();
  });

  it('closes during a checkpoint only once the worker has let go of the database', () => {
    const { db, path, before } = walDatabase(20_000);
    const checkpointer = new WalCheckpointer({ path });
    checkpointer.committed();
    // The worker is copying the WAL (about 20 MB) once the file starts to grow.
    const deadline = Date.now() + 10_000;
    while (statSync(path).size === before && Date.now() < deadline);
    expect(statSync(path).size).toBeGreaterThan(before);
    checkpointer.close();
    db.close();
    // Leaving WAL mode needs the only connection: it fails while the worker still holds one.
    const other = new BetterSqlite3(path);
    expect(other.pragma('journal_mode = DELETE', { simple: true })).toBe('delete');
    other.close();
  });

  it('reports a worker that cannot open the database, and tries again on the next commit', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tern-checkpoint-'));
    const errors: string[] = [];
    const checkpointer = new WalCheckpointer({
      path: join(dir, 'missing.db'),
      intervalMs: 0,
      onError: (message) => errors.push(message),
    });
    checkpointer.committed();
    await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 5000, interval: 10 });
    expect(errors[0]).toMatch(/missing\.db|unable to open|does not exist/i);
    checkpointer.committed();
    await vi.waitFor(() => expect(errors).toHaveLength(2), { timeout: 5000, interval: 10 });
    checkpointer.close();
  });
});
