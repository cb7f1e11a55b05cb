import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WalCheckpointer } from './checkpointer.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A WAL database whose writes stay in the WAL until someone checkpoints. */
function walDatabase(): { db: BetterSqlite3.Database; path: string } {
  dir = mkdtempSync(join(tmpdir(), 'tern-checkpoint-'));
  const path = join(dir, 'tern.db');
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (v TEXT)');
  return { db, path };
}

describe('WalCheckpointer', () => {
  it('copies the WAL into the database file on its worker', async () => {
    const { db, path } = walDatabase();
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 500; i++) insert.run('x'.repeat(1000));
    })();
    const before = statSync(path).size;
    const checkpointer = new WalCheckpointer({ path });
    checkpointer.committed();
    await vi.waitFor(() => expect(statSync(path).size).toBeGreaterThan(before + 400_000), {
      timeout: 5000,
      interval: 10,
    });
    await checkpointer.close();
    db.close();
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
    await checkpointer.close();
  });
});
