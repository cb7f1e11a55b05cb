/** Executions, task runs and logs: round trips, the API's filters and pagination, on PGlite and PostgreSQL. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Execution } from '../../protocol/execution.js';
import { pgliteBackend, postgresBackend, type StorageBackend } from '../../test/support/backends.js';
import { aLogLine, anExecution, aTaskRun } from '../../test/support/fixtures.js';
import { describeWithService } from '../../test/support/services.js';
import type { HubStorage } from './types.js';

describe('executions on PGlite', () => executionSuite(pgliteBackend()));
describeWithService('TERN_TEST_PG_URL', 'executions on PostgreSQL', (url) =>
  executionSuite(postgresBackend(url)),
);

const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 12, minute)).toISOString();

function executionSuite(backend: StorageBackend): void {
  beforeAll(() => backend.setup());
  beforeEach(() => backend.reset());
  afterAll(() => backend.teardown());

  describe('round trip', () => {
    it('reads back an execution with its task runs in creation order', async () => {
      const storage = await backend.open();
      const execution = anExecution();
      const runs = ['first', 'second', 'third'].map((taskId) => aTaskRun(execution.id, { taskId }));
      storage.executions.saveExecution(execution);
      for (const run of runs) storage.executions.saveTaskRun(run);
      await storage.executions.flush();
      // Updating the first task run must not move it behind the others.
      runs[0]!.state = 'SUCCESS';
      storage.executions.saveTaskRun(runs[0]!);
      expect(await storage.executions.get(execution.id)).toEqual({ execution, taskRuns: runs });
    });

    it('keeps the latest state of an execution saved again', async () => {
      const storage = await backend.open();
      const execution = anExecution();
      storage.executions.saveExecution(execution);
      await storage.executions.flush();
      const ended = { ...execution, state: 'SUCCESS' as const, endDate: new Date().toISOString() };
      storage.executions.saveExecution(ended);
      expect((await storage.executions.getExecution(execution.id))?.execution).toEqual(ended);
    });

    it('removes deleted task runs, and a task run saved again after its deletion comes last', async () => {
      const storage = await backend.open();
      const execution = anExecution();
      const [a, b, c] = ['a', 'b', 'c'].map((taskId) => aTaskRun(execution.id, { taskId }));
      storage.executions.saveExecution(execution);
      for (const run of [a!, b!, c!]) storage.executions.saveTaskRun(run);
      await storage.executions.flush();
      storage.executions.deleteTaskRuns([a!.id, b!.id]);
      storage.executions.saveTaskRun(a!);
      expect((await storage.executions.get(execution.id))?.taskRuns).toEqual([c, a]);
    });

    it('reads back log lines in the order they were appended', async () => {
      const storage = await backend.open();
      const execution = anExecution();
      const lines = ['one', 'two', 'three'].map((message) => aLogLine(execution.id, { message }));
      for (const line of lines) storage.executions.appendLog(line);
      expect(await storage.executions.listLogs(execution.id)).toEqual(lines);
    });

    it('lists executions in the given states, oldest first', async () => {
      const storage = await backend.open();
      const old = anExecution({ state: 'PAUSED', startDate: at(1) });
      const recent = anExecution({ state: 'RUNNING', startDate: at(2) });
      storage.executions.saveExecution(recent);
      storage.executions.saveExecution(old);
      storage.executions.saveExecution(anExecution({ state: 'SUCCESS', startDate: at(0) }));
      expect(await storage.executions.listExecutionsByState(['RUNNING', 'PAUSED'])).toEqual([old, recent]);
    });

    it('stores text holding a NUL character with U+FFFD in its place, and says so on the execution log', async () => {
      const storage = await backend.open();
      const execution = anExecution({ outputs: { raw: 'a\u0000b' } });
      storage.executions.saveExecution(execution);
      storage.executions.appendLog(aLogLine(execution.id, { message: 'x\u0000y' }));
      expect((await storage.executions.get(execution.id))?.execution.outputs).toEqual({ raw: 'a\uFFFDb' });
      expect((await storage.executions.listLogs(execution.id)).map((l) => l.message)).toEqual([
        'x\uFFFDy',
        expect.stringMatching(/replaced with U\+FFFD in the execution's record, at outputs\.raw$/),
        expect.stringMatching(/replaced with U\+FFFD in a log line, at message$/),
      ]);
    });

    it('refuses a record whose date cannot be read, when it is saved', async () => {
      const storage = await backend.open();
      expect(() => storage.executions.saveExecution(anExecution({ startDate: 'yesterday' }))).toThrow(
        TypeError,
      );
    });
  });

  describe('list', () => {
    let storage: HubStorage;
    let all: Execution[];
    const ids = (items: Execution[]) => items.map((e) => e.id);

    beforeEach(async () => {
      storage = await backend.open();
      all = [
        anExecution({
          namespace: 'plant',
          flowId: 'read',
          state: 'SUCCESS',
          startDate: at(1),
          agentId: 'gw-01',
        }),
        anExecution({
          namespace: 'plant.line1',
          flowId: 'read',
          state: 'FAILED',
          startDate: at(2),
          agentId: null,
        }),
        anExecution({
          namespace: 'plant.line1',
          flowId: 'alarm',
          state: 'RUNNING',
          startDate: at(3),
          agentId: 'gw-02',
          labels: { site: 'plant1', team: 'ops' },
        }),
        anExecution({
          namespace: 'plant2',
          flowId: 'read',
          state: 'SUCCESS',
          startDate: at(4),
          agentId: 'gw-01',
        }),
        anExecution({ namespace: 'other', flowId: 'read', state: 'KILLED', startDate: at(5), agentId: null }),
      ];
      for (const e of all) storage.executions.saveExecution(e);
    });

    const newestFirst = (items: Execution[]) => [...items].reverse();

    it('lists every execution newest first', async () => {
      const page = await storage.executions.list({});
      expect(page.items).toEqual(newestFirst(all));
      expect(page.nextCursor).toBeUndefined();
    });

    it('filters by namespace with its sub-namespaces', async () => {
      expect(ids((await storage.executions.list({ namespace: 'plant' })).items)).toEqual(
        ids(newestFirst(all.slice(0, 3))),
      );
    });

    it('filters by flow id', async () => {
      expect(
        ids((await storage.executions.list({ namespace: 'plant.line1', flowId: 'read' })).items),
      ).toEqual([all[1]!.id]);
    });

    it('filters by any of several states', async () => {
      const page = await storage.executions.list({ state: ['FAILED', 'KILLED'] });
      expect(ids(page.items)).toEqual([all[4]!.id, all[1]!.id]);
    });

    it('filters by agent, with hub meaning run by the hub', async () => {
      expect(ids((await storage.executions.list({ agent: 'gw-01' })).items)).toEqual([
        all[3]!.id,
        all[0]!.id,
      ]);
      expect(ids((await storage.executions.list({ agent: 'hub' })).items)).toEqual([all[4]!.id, all[1]!.id]);
    });

    it('filters by labels, every pair matching', async () => {
      expect(ids((await storage.executions.list({ labels: { site: 'plant1', team: 'ops' } })).items)).toEqual(
        [all[2]!.id],
      );
      expect((await storage.executions.list({ labels: { site: 'plant1', team: 'dev' } })).items).toEqual([]);
    });

    it('filters by start date, from inclusive and to exclusive', async () => {
      const page = await storage.executions.list({ from: at(2), to: at(4) });
      expect(ids(page.items)).toEqual([all[2]!.id, all[1]!.id]);
    });

    it('refuses a bound that is not a date', async () => {
      await expect(storage.executions.list({ from: 'last week' })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
    });

    it('walks every execution once across pages, including ones that started at the same time', async () => {
      const twins = [anExecution({ startDate: at(3) }), anExecution({ startDate: at(3) })];
      for (const e of twins) storage.executions.saveExecution(e);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await storage.executions.list({ limit: 2, ...(cursor ? { cursor } : {}) });
        seen.push(...ids(page.items));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(4);
      expect(seen).toEqual(ids((await storage.executions.list({})).items));
      expect(new Set(seen).size).toBe(all.length + twins.length);
    });

    it('refuses an invalid cursor and an out-of-range limit', async () => {
      await expect(storage.executions.list({ cursor: '!!' })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
        message: 'invalid cursor',
      });
      const badDate = Buffer.from(JSON.stringify(['executions', 'not a date', 'x'])).toString('base64url');
      await expect(storage.executions.list({ cursor: badDate })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
      await expect(storage.executions.list({ limit: 0 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    });
  });

  describe('logs', () => {
    let storage: HubStorage;
    const execution = anExecution();

    beforeEach(async () => {
      storage = await backend.open();
      const levels = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'INFO'] as const;
      levels.forEach((level, i) => {
        const taskId = i % 2 === 0 ? 'read' : 'write';
        storage.executions.appendLog(
          aLogLine(execution.id, { level, taskId, taskRunId: `run-${taskId}`, message: `line ${i}` }),
        );
      });
      storage.executions.appendLog(aLogLine('another-execution'));
    });

    const messages = (page: { items: { message: string }[] }) => page.items.map((l) => l.message);

    it('pages through an execution’s lines in order', async () => {
      const first = await storage.executions.logs(execution.id, { limit: 3 });
      expect(messages(first)).toEqual(['line 0', 'line 1', 'line 2']);
      const second = await storage.executions.logs(execution.id, { limit: 3, cursor: first.nextCursor! });
      expect(messages(second)).toEqual(['line 3', 'line 4']);
      expect(second.nextCursor).toBeUndefined();
    });

    it('keeps lines at or above the minimum level', async () => {
      expect(messages(await storage.executions.logs(execution.id, { level: 'WARN' }))).toEqual([
        'line 2',
        'line 3',
      ]);
    });

    it('filters by task id and by task run id', async () => {
      expect(messages(await storage.executions.logs(execution.id, { taskId: 'write' }))).toEqual([
        'line 1',
        'line 3',
      ]);
      expect(messages(await storage.executions.logs(execution.id, { taskRunId: 'run-read' }))).toEqual([
        'line 0',
        'line 2',
        'line 4',
      ]);
    });

    it('refuses an unknown level and a cursor from another list', async () => {
      await expect(storage.executions.logs(execution.id, { level: 'LOUD' as 'INFO' })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
      const cursor = Buffer.from(JSON.stringify(['agents', 'x'])).toString('base64url');
      await expect(storage.executions.logs(execution.id, { cursor })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
    });
  });
}
