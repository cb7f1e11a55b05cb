/**
 * Writes the database refuses, on PGlite and PostgreSQL: text it cannot store is replaced and told on the
 * execution's log; a record it refuses is isolated and stored as a visible error, every other record of
 * its commit is stored. (A commit that fails for another reason: hub-storage.test.ts.)
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pgliteBackend, postgresBackend, type StorageBackend } from '../../test/support/backends.js';
import { aLogLine, anExecution, aTaskRun } from '../../test/support/fixtures.js';
import { describeWithService } from '../../test/support/services.js';
import type { RecordRefusal } from './write-queue.js';

describe('refused writes on PGlite', () => isolationSuite(pgliteBackend()));
describeWithService('TERN_TEST_PG_URL', 'refused writes on PostgreSQL', (url) =>
  isolationSuite(postgresBackend(url)),
);

function isolationSuite(backend: StorageBackend): void {
  beforeAll(() => backend.setup());
  beforeEach(() => backend.reset());
  afterAll(() => backend.teardown());

  /** Runs `work` while `table` has a CHECK constraint refusing rows where `refused` holds. */
  async function withCheck(table: string, refused: string, work: () => Promise<void>): Promise<void> {
    await backend.rows(`ALTER TABLE ${table} ADD CONSTRAINT test_refusal CHECK (NOT (${refused}))`);
    try {
      await work();
    } finally {
      await backend.rows(`ALTER TABLE ${table} DROP CONSTRAINT test_refusal`);
    }
  }

  const openRecording = async () => {
    const refusals: RecordRefusal[] = [];
    const writeErrors: unknown[] = [];
    const storage = await backend.open({
      onRecordRefused: (r) => refusals.push(r),
      onWriteError: (e) => writeErrors.push(e),
    });
    return { storage, refusals, writeErrors };
  };

  describe('text the database cannot store', () => {
    it('replaces NUL and lone surrogates with U+FFFD and tells each record once on the execution log', async () => {
      const { storage } = await openRecording();
      const execution = anExecution({ inputs: { name: 'x\ud800y' } });
      const taskRun = aTaskRun(execution.id, { outputs: { raw: 'a\u0000b' } });
      storage.executions.saveExecution(execution);
      storage.executions.saveTaskRun(taskRun);
      storage.executions.appendLog(aLogLine(execution.id, { message: 'low \udc00 alone' }));
      await storage.executions.flush();
      // Saved again, as the engine does at every change: told once only.
      storage.executions.saveExecution({ ...execution, state: 'SUCCESS' });
      const stored = await storage.executions.get(execution.id);
      const lines = await storage.executions.listLogs(execution.id);
      expect({
        input: stored?.execution.inputs.name,
        output: stored?.taskRuns[0]?.outputs.raw,
        lines: lines.map((l) => [l.level, l.message]),
      }).toEqual({
        input: 'x\uFFFDy',
        output: 'a\uFFFDb',
        lines: [
          ['INFO', 'low \uFFFD alone'],
          ['WARN', expect.stringMatching(/U\+FFFD in the execution's record, at inputs\.name$/)],
          ['WARN', expect.stringMatching(/U\+FFFD in task run read \(.+\), at outputs\.raw$/)],
          ['WARN', expect.stringMatching(/U\+FFFD in a log line, at message$/)],
        ],
      });
    });

    it('stores such text in plain columns and other JSON too (token names, agent labels)', async () => {
      const { storage } = await openRecording();
      await storage.tokens.create('ci\u0000\ud800');
      await storage.agents.register('gw-text', { site: 'a\udfffb' });
      expect((await storage.tokens.list())[0]?.name).toBe('ci\uFFFD\uFFFD');
      expect((await storage.agents.get('gw-text'))?.labels).toEqual({ site: 'a\uFFFDb' });
    });

    it('finds nothing, instead of failing, when looked up by such text', async () => {
      const { storage } = await openRecording();
      expect([await storage.flows.get('plant\u0000', 'read'), await storage.agents.get('gw\ud800')]).toEqual([
        undefined,
        undefined,
      ]);
    });
  });

  describe('a record the database refuses', () => {
    it('stores the execution as FAILED with the reason, and every other record of the commit as it is', async () => {
      const { storage, refusals, writeErrors } = await openRecording();
      await withCheck('executions', "doc->'outputs'->>'poison' IS NOT NULL", async () => {
        const before = anExecution({ state: 'SUCCESS' });
        const poisoned = anExecution({ state: 'SUCCESS', outputs: { poison: 'yes' } });
        const after = anExecution({ state: 'SUCCESS' });
        for (const e of [before, poisoned, after]) {
          storage.executions.saveExecution(e);
          storage.executions.appendLog(aLogLine(e.id));
        }
        await storage.executions.flush();
        const stored = await storage.executions.get(poisoned.id);
        expect({
          others: [
            (await storage.executions.get(before.id))?.execution,
            (await storage.executions.get(after.id))?.execution,
          ],
          state: stored?.execution.state,
          error: stored?.execution.error,
          outputs: stored?.execution.outputs,
          logs: (await storage.executions.listLogs(poisoned.id)).map((l) => l.level),
          refusals: refusals.map((r) => [r.record, r.stored]),
          writeErrors: writeErrors.length,
        }).toEqual({
          others: [before, after],
          state: 'FAILED',
          error: expect.stringMatching(/could not be stored: .*test_refusal.*\(SQLSTATE 23514\)/),
          outputs: {},
          // The ERROR line is written when the execution is refused, before the commit's other lines.
          logs: ['ERROR', 'INFO'],
          refusals: [[`execution ${poisoned.id}`, 'placeholder']],
          writeErrors: 0,
        });
      });
    });

    it('stores an execution refused at every save as FAILED each time, with one ERROR line and one report', async () => {
      const { storage, refusals } = await openRecording();
      await withCheck('executions', "doc->'outputs'->>'poison' IS NOT NULL", async () => {
        const execution = anExecution({ outputs: { poison: 'yes' } });
        storage.executions.saveExecution(execution);
        await storage.executions.flush();
        storage.executions.saveExecution({
          ...execution,
          state: 'SUCCESS',
          endDate: new Date().toISOString(),
        });
        await storage.executions.flush();
        expect([
          (await storage.executions.get(execution.id))?.execution.state,
          (await storage.executions.listLogs(execution.id)).map((l) => l.level),
          refusals.length,
        ]).toEqual(['FAILED', ['ERROR'], 1]);
      });
    });

    it('stores a log line it refuses as an ERROR line with the reason, in its place', async () => {
      const { storage } = await openRecording();
      await withCheck('logs', "message LIKE '%poison%'", async () => {
        const execution = anExecution();
        storage.executions.saveExecution(execution);
        for (const message of ['one', 'poison', 'three'])
          storage.executions.appendLog(aLogLine(execution.id, { message }));
        await storage.executions.flush();
        const lines = await storage.executions.listLogs(execution.id);
        expect(lines.map((l) => [l.level, l.message])).toEqual([
          ['INFO', 'one'],
          ['ERROR', expect.stringMatching(/^\[a log line could not be stored: .*test_refusal/)],
          ['INFO', 'three'],
        ]);
      });
    });

    it('stores a task run it refuses as FAILED with the reason', async () => {
      const { storage } = await openRecording();
      await withCheck('task_runs', "doc->'outputs' ? 'poison'", async () => {
        const execution = anExecution();
        const good = aTaskRun(execution.id, { state: 'SUCCESS' });
        const bad = aTaskRun(execution.id, { state: 'SUCCESS', outputs: { poison: 1 } });
        storage.executions.saveExecution(execution);
        storage.executions.saveTaskRun(good);
        storage.executions.saveTaskRun(bad);
        await storage.executions.flush();
        const runs = (await storage.executions.get(execution.id))?.taskRuns;
        expect(runs?.map((t) => [t.id, t.state, t.error ?? null])).toEqual([
          [good.id, 'SUCCESS', null],
          [bad.id, 'FAILED', expect.stringMatching(/test_refusal/)],
        ]);
      });
    });

    it('stores an execution whose revision is out of the column range as FAILED, without a constraint', async () => {
      const { storage } = await openRecording();
      const execution = anExecution({ flowRevision: 2 ** 31 });
      const other = anExecution();
      storage.executions.saveExecution(execution);
      storage.executions.saveExecution(other);
      await storage.executions.flush();
      const stored = (await storage.executions.get(execution.id))?.execution;
      expect([stored?.state, stored?.flowRevision, stored?.error]).toEqual([
        'FAILED',
        0,
        expect.stringMatching(/out of range.*\(SQLSTATE 22003\)/),
      ]);
      expect((await storage.executions.get(other.id))?.execution).toEqual(other);
    });

    it('forgets a KV key it refuses, in memory and in the database, and stores the other keys', async () => {
      const { storage, refusals } = await openRecording();
      await withCheck('kv', "key = 'poison'", async () => {
        storage.executions.kv.set('plant1', 'poison', 1);
        storage.executions.kv.set('plant1', 'fine', 2);
        await storage.executions.flush();
        expect([
          storage.executions.kv.get('plant1', 'poison'),
          storage.executions.kv.get('plant1', 'fine'),
          await backend.rows('SELECT key FROM kv'),
          refusals.map((r) => [r.record, r.stored]),
        ]).toEqual([undefined, 2, [{ key: 'fine' }], [['kv plant1/poison (forgotten)', 'nothing']]]);
      });
    });

    it('goes on committing later writes: the refused record is never tried again', async () => {
      const { storage, refusals } = await openRecording();
      await withCheck('logs', "message = 'poison'", async () => {
        const execution = anExecution();
        storage.executions.saveExecution(execution);
        storage.executions.appendLog(aLogLine(execution.id, { message: 'poison' }));
        await storage.executions.flush();
        storage.executions.appendLog(aLogLine(execution.id, { message: 'later' }));
        await storage.executions.flush();
        expect((await storage.executions.listLogs(execution.id)).map((l) => l.message)).toEqual([
          expect.stringMatching(/could not be stored/),
          'later',
        ]);
        expect(refusals).toHaveLength(1);
      });
    });
  });
}
