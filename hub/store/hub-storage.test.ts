/** The hub storage as a whole: group commit, failed commits, restarts, KV, purge and migrations, on PGlite and PostgreSQL. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Flow } from '../../protocol/flow.js';
import { pgliteBackend, postgresBackend, type StorageBackend } from '../../test/support/backends.js';
import { aLogLine, anExecution, aTaskRun } from '../../test/support/fixtures.js';
import { describeWithService } from '../../test/support/services.js';
import { migrationsFolder, openDatabase } from './db.js';
import { openHubStorage } from './hub-storage.js';
import type { HubStorage } from './types.js';

describe('hub storage on PGlite', () => storageSuite(pgliteBackend()));
describeWithService('TERN_TEST_PG_URL', 'hub storage on PostgreSQL', (url) =>
  storageSuite(postgresBackend(url)),
);

describe('migrations folder', () => {
  it('is found from the package root, with its journal', () => {
    const folder = migrationsFolder();
    expect(folder.endsWith(join('hub', 'store', 'migrations'))).toBe(true);
    expect(existsSync(join(folder, 'meta', '_journal.json'))).toBe(true);
    expect(
      JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')).entries.length,
    ).toBeGreaterThan(0);
  });
});

const DAY = 86_400_000;
const logTask = { id: 'say', type: 'log', message: 'hi' };
const flow: Flow = { namespace: 'plant1', id: 'read', tasks: [logTask] };
const source = 'id: read\nnamespace: plant1\ntasks:\n  - id: say\n    type: log\n    message: hi\n';

function storageSuite(backend: StorageBackend): void {
  beforeAll(() => backend.setup());
  beforeEach(() => backend.reset());
  afterAll(() => backend.teardown());

  const count = async (table: string) =>
    Number((await backend.rows<{ n: number | string }>(`SELECT count(*) AS n FROM ${table}`))[0]?.n);

  describe('group commit', () => {
    it('resolves a flush once the writes queued before it are visible to other connections', async () => {
      const storage = await backend.open();
      storage.executions.saveExecution(anExecution());
      storage.executions.saveTaskRun(aTaskRun('e1'));
      storage.executions.appendLog(aLogLine('e1'));
      await storage.executions.flush();
      expect([await count('executions'), await count('task_runs'), await count('logs')]).toEqual([1, 1, 1]);
    });

    it('commits everything saved in one turn in a single transaction', async () => {
      const storage = await backend.open();
      for (let i = 0; i < 20; i++) {
        const execution = anExecution();
        storage.executions.saveExecution(execution);
        storage.executions.saveTaskRun(aTaskRun(execution.id));
        storage.executions.appendLog(aLogLine(execution.id));
      }
      storage.executions.kv.set('plant1', 'k', 1);
      await storage.executions.flush();
      // Rows written by one transaction share its id (xmin).
      const [row] = await backend.rows<{ n: number | string }>(
        `SELECT count(DISTINCT x) AS n FROM (
           SELECT xmin::text AS x FROM executions UNION ALL SELECT xmin::text FROM task_runs
           UNION ALL SELECT xmin::text FROM logs UNION ALL SELECT xmin::text FROM kv) t`,
      );
      expect(Number(row?.n)).toBe(1);
    });

    it('writes a record saved several times in one turn once, as it is at commit', async () => {
      const storage = await backend.open();
      const execution = anExecution();
      storage.executions.saveExecution(execution);
      execution.state = 'SUCCESS';
      storage.executions.saveExecution(execution);
      execution.outputs = { done: true };
      await storage.executions.flush();
      expect(await count('executions')).toBe(1);
      const [row] = await backend.rows<{ doc: unknown }>('SELECT doc FROM executions');
      expect(row?.doc).toEqual(execution);
    });

    it('reads see writes that were not flushed', async () => {
      const storage = await backend.open();
      const execution = anExecution();
      storage.executions.saveExecution(execution);
      expect((await storage.executions.get(execution.id))?.execution).toEqual(execution);
    });

    it('keeps the writes of a commit that failed without blaming its data, fails the flush, and commits them by itself later', async () => {
      const errors: unknown[] = [];
      const storage = await backend.open({ onWriteError: (e) => errors.push(e) });
      const execution = anExecution();
      await backend.rows('ALTER TABLE logs RENAME TO logs_away');
      try {
        storage.executions.saveExecution(execution);
        storage.executions.appendLog(aLogLine(execution.id));
        await expect(storage.executions.flush()).rejects.toThrow();
        expect(errors).toHaveLength(1);
        expect(await count('executions')).toBe(0);
      } finally {
        await backend.rows('ALTER TABLE logs_away RENAME TO logs');
      }
      // No flush: the queue tries again after a backoff.
      await expect.poll(() => count('executions'), { timeout: 15_000 }).toBe(1);
      expect(await storage.executions.listLogs(execution.id)).toHaveLength(1);
    });

    it('refuses writes once closed', async () => {
      const storage = await backend.open();
      await storage.close();
      expect(() => storage.executions.saveExecution(anExecution())).toThrow(/closed/);
    });
  });

  describe('restart', () => {
    const opened: HubStorage[] = [];
    afterEach(async () => {
      await Promise.allSettled(opened.splice(0).map((s) => s.close()));
    });
    const open = async (options: Parameters<typeof openHubStorage>[0]) => {
      const storage = await openHubStorage(options);
      opened.push(storage);
      return storage;
    };

    it('finds everything again after closing and opening the same data', async () => {
      const options = await backend.restartable();
      const first = await open(options);
      const execution = anExecution({ state: 'SUCCESS', endDate: new Date().toISOString() });
      const taskRun = aTaskRun(execution.id, { state: 'SUCCESS' });
      const line = aLogLine(execution.id, { taskRunId: taskRun.id, taskId: 'read', attempt: 1 });
      first.executions.saveExecution(execution);
      first.executions.saveTaskRun(taskRun);
      first.executions.appendLog(line);
      first.executions.kv.set('plant1', 'setpoint', { value: 42 });
      const saved = await first.flows.save(flow, source);
      const { token } = await first.tokens.create('ci');
      const agent = await first.agents.register('gw-01', { site: 'plant1' });
      // Closing commits what is still queued.
      await first.close();

      const second = await open(options);
      expect(await second.executions.get(execution.id)).toEqual({ execution, taskRuns: [taskRun] });
      expect(await second.executions.listLogs(execution.id)).toEqual([line]);
      expect(second.executions.kv.get('plant1', 'setpoint')).toEqual({ value: 42 });
      expect(await second.flows.get('plant1', 'read')).toEqual(saved.row);
      expect(await second.tokens.verify(token)).toBeDefined();
      expect(await second.agents.verifyCredentials('gw-01', agent.token)).toBe(true);
    });

    // PostgreSQL serves many hubs at once; a PGlite folder must have one process only.
    if (backend.name === 'PGlite') {
      it('refuses a second hub on a data directory in use', async () => {
        const options = await backend.restartable();
        await open(options);
        await expect(openHubStorage(options)).rejects.toThrow(
          /another Tern hub is using this data directory/,
        );
      });
    }

    it('refuses a database migrated by a newer version', async () => {
      const options = await backend.restartable();
      const first = await open(options);
      await first.close();
      // The newer version's migration, as drizzle's migrator records it.
      const far = Date.UTC(2999, 0, 1);
      const newer = await openHubStorageWithMigration(backend, options, far);
      expect(newer).toMatch(/newer than this version of Tern knows/);
    });
  });

  describe('kv', () => {
    it('reads a value back at once, a copy each time', async () => {
      const storage = await backend.open();
      storage.executions.kv.set('plant1', 'reading', { temp: 21.5 });
      const value = storage.executions.kv.get('plant1', 'reading') as { temp: number };
      value.temp = 0;
      expect(storage.executions.kv.get('plant1', 'reading')).toEqual({ temp: 21.5 });
      expect(storage.executions.kv.get('plant2', 'reading')).toBeUndefined();
    });

    it('forgets a value once its time to live has passed, in memory and in the database', async () => {
      let now = Date.UTC(2025, 0, 1);
      const storage = await backend.open({ clock: { now: () => now } });
      storage.executions.kv.set('plant1', 'token', 'abc', 1000);
      now += 999;
      expect(storage.executions.kv.get('plant1', 'token')).toBe('abc');
      now += 1;
      expect(storage.executions.kv.get('plant1', 'token')).toBeUndefined();
      await storage.executions.flush();
      expect(await count('kv')).toBe(0);
    });

    it('deletes a key, answering whether a live value was there', async () => {
      const storage = await backend.open();
      storage.executions.kv.set('plant1', 'k', null);
      expect(storage.executions.kv.delete('plant1', 'k')).toBe(true);
      expect(storage.executions.kv.delete('plant1', 'k')).toBe(false);
      await storage.executions.flush();
      expect(await count('kv')).toBe(0);
    });

    it('refuses a value that is not JSON, a time to live that is not positive and a name holding NUL', async () => {
      const storage = await backend.open();
      expect(() => storage.executions.kv.set('plant1', 'k', undefined)).toThrow(TypeError);
      expect(() => storage.executions.kv.set('plant1', 'k', 1, 0)).toThrow(RangeError);
      expect(() => storage.executions.kv.set('plant1', 'a\u0000b', 1)).toThrow(TypeError);
    });

    it('keeps live values and drops expired ones across a restart', async () => {
      let now = Date.UTC(2025, 0, 1);
      const options = { ...(await backend.restartable()), clock: { now: () => now } };
      const first = await openHubStorage(options);
      first.executions.kv.set('plant1', 'forever', [1, 2]);
      first.executions.kv.set('plant1', 'short', 'x', 1000);
      first.executions.kv.set('plant1', 'long', 'y', 10 * DAY);
      await first.close();
      now += 2000;
      const second = await openHubStorage(options);
      try {
        expect(second.executions.kv.get('plant1', 'forever')).toEqual([1, 2]);
        expect(second.executions.kv.get('plant1', 'short')).toBeUndefined();
        expect(second.executions.kv.get('plant1', 'long')).toBe('y');
      } finally {
        await second.close();
      }
    });
  });

  describe('purge', () => {
    it('deletes executions that ended before the cut-off, with their task runs and logs, in batches', async () => {
      const now = Date.UTC(2025, 6, 1);
      const storage = await backend.open({ clock: { now: () => now } });
      const ended = (daysAgo: number) =>
        anExecution({
          state: 'SUCCESS',
          startDate: new Date(now - daysAgo * DAY - 1000).toISOString(),
          endDate: new Date(now - daysAgo * DAY).toISOString(),
        });
      const old = [8, 9, 10, 30, 365].map(ended);
      const kept = [
        ended(1),
        anExecution({ state: 'RUNNING', startDate: new Date(now - 30 * DAY).toISOString() }),
      ];
      for (const e of [...old, ...kept]) {
        storage.executions.saveExecution(e);
        storage.executions.saveTaskRun(aTaskRun(e.id));
        storage.executions.appendLog(aLogLine(e.id));
      }
      expect(await storage.purge(7, 2)).toBe(old.length);
      const left = await storage.executions.list({});
      expect(left.items.map((e) => e.id).sort()).toEqual(kept.map((e) => e.id).sort());
      expect(await count('task_runs')).toBe(kept.length);
      expect(await count('logs')).toBe(kept.length);
      expect(await storage.purge(7)).toBe(0);
    });
  });
}

/**
 * Records a migration dated `createdAt` in the database at `options`, then
 * tries to open it: the error message, or undefined when it opened.
 */
async function openHubStorageWithMigration(
  backend: StorageBackend,
  options: Parameters<typeof openHubStorage>[0],
  createdAt: number,
): Promise<string | undefined> {
  const insert = `INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('newer', ${createdAt})`;
  const remove = `DELETE FROM drizzle.__drizzle_migrations WHERE hash = 'newer'`;
  // PGlite's restartable data is its own folder, written through a storage's database; PostgreSQL's is the shared one.
  if (options?.url === undefined) {
    const database = await openDatabase({ dataDir: join(options!.dataDir!, 'pgdata') });
    await database.db.execute(sql.raw(insert));
    await database.close();
  } else {
    await backend.rows(insert);
  }
  try {
    await (await openHubStorage(options)).close();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    if (options?.url !== undefined) await backend.rows(remove);
  }
}
