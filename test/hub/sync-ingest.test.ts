/**
 * Ingest on real storage, PGlite and PostgreSQL: records stored once by (agent, seq), never over another
 * agent's or the hub's, only for flows the agent was assigned, a batch only after the one it follows, and
 * a record the database refuses isolated and stored as a placeholder.
 */

import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkRecord, ingestBatch } from '../../hub/fleet/ingest.js';
import { FleetMetrics } from '../../hub/fleet/metrics.js';
import type { HubStorage, IngestBatch } from '../../hub/store/types.js';
import type { Execution, LogLine, TaskRun } from '../../protocol/execution.js';
import type { EventRecord, TriggerToggle } from '../../protocol/messages.js';
import { pgliteBackend, postgresBackend, type StorageBackend } from '../support/backends.js';
import { aTaskRun } from '../support/fixtures.js';
import { type Logged, recordingLogger } from '../support/logger.js';
import { describeWithService } from '../support/services.js';

describe('ingest on PGlite', () => ingestSuite(pgliteBackend()));
describeWithService('TERN_TEST_PG_URL', 'ingest on PostgreSQL', (url) => ingestSuite(postgresBackend(url)));

const at = '2025-01-01T00:00:00.000Z';

function execution(id: string, agentId: string | null, state: Execution['state'] = 'RUNNING'): Execution {
  return {
    id,
    namespace: 'ns',
    flowId: 'f',
    flowRevision: 1,
    state,
    inputs: {},
    outputs: {},
    labels: {},
    trigger: null,
    originalId: id,
    agentId,
    startDate: at,
  };
}

const log = (executionId: string, message: string): LogLine => ({
  executionId,
  taskRunId: null,
  taskId: null,
  attempt: null,
  level: 'INFO',
  message,
  timestamp: at,
});

const run = (id: string, executionId: string, taskId: string): TaskRun =>
  aTaskRun(executionId, { id, taskId, state: 'SUCCESS', attempts: [], startDate: at });

/** A batch following `after`, its records checked as the fleet checks them. */
const batch = (after: number, ...rs: Omit<EventRecord, 'at'>[]): IngestBatch => ({
  after,
  records: rs.map((r) => checkRecord({ ...r, at })),
});

/** The flow `ns/f` is (or was) assigned to every agent of these tests; `ns/not-mine` to none. */
const ASSIGNED = { assignedFlows: ['ns/f'] };

function ingestSuite(backend: StorageBackend): void {
  let storage: HubStorage;
  beforeAll(() => backend.setup());
  beforeEach(async () => {
    await backend.reset();
    storage = await backend.open();
    for (const id of ['a1', 'a2', 'a3', 'a4']) {
      await storage.agents.register(id, {});
      await storage.agents.updateStatus(id, { status: ASSIGNED });
    }
  });
  afterAll(() => backend.teardown());

  const messages = async (id: string) =>
    (await storage.executions.logs(id, {})).items.map((l) => [l.level, l.message]);

  describe('exactly once', () => {
    it('stores a batch sent twice only once', async () => {
      const b = batch(
        0,
        { seq: 1, kind: 'execution', data: { ...execution('e-dup', 'a1') } },
        { seq: 2, kind: 'log', data: { ...log('e-dup', 'one') } },
      );
      await storage.sync.ingest('a1', b);
      const again = await storage.sync.ingest('a1', b);
      expect([again.duplicates, again.lastSeq, (await messages('e-dup')).length]).toEqual([2, 2, 1]);
    });

    it('accepts gaps in seq (records the agent dropped)', async () => {
      await storage.sync.ingest(
        'a1',
        batch(0, { seq: 3, kind: 'execution', data: { ...execution('e-gap', 'a1') } }),
      );
      const result = await storage.sync.ingest(
        'a1',
        batch(3, { seq: 9, kind: 'log', data: { ...log('e-gap', 'later') } }),
      );
      expect([result.outcome, result.lastSeq, result.logs.length]).toEqual(['stored', 9, 1]);
    });

    it('stores nothing of a batch that follows records it has not stored, and keeps its mark', async () => {
      await storage.sync.ingest(
        'a1',
        batch(0, { seq: 1, kind: 'execution', data: { ...execution('e-lost', 'a1') } }),
      );
      // Records 2 to 5 never arrived (their batch failed): this one must not be stored, or its ack would cover them.
      const result = await storage.sync.ingest(
        'a1',
        batch(5, { seq: 6, kind: 'log', data: { ...log('e-lost', 'after the hole') } }),
      );
      expect([
        result.outcome,
        result.lastSeq,
        await storage.sync.lastSeq('a1'),
        await messages('e-lost'),
      ]).toEqual(['gap', 1, 1, []]);
    });

    it("stores one batch's execution, task runs, logs and command answer together, task runs in creation order", async () => {
      const result = await storage.sync.ingest(
        'a1',
        batch(
          0,
          { seq: 1, kind: 'execution', data: { ...execution('e-all', 'a1') } },
          { seq: 2, kind: 'taskRun', data: { ...run('t-2', 'e-all', 'second') } },
          { seq: 3, kind: 'taskRun', data: { ...run('t-1', 'e-all', 'first') } },
          { seq: 4, kind: 'log', data: { ...log('e-all', 'hello') } },
          { seq: 5, kind: 'command', data: { commandId: 'c-1', ok: true } },
          { seq: 6, kind: 'execution', data: { ...execution('e-all', 'a1', 'SUCCESS') } },
        ),
      );
      const stored = await storage.executions.get('e-all');
      const commands = (await storage.agents.get('a1'))?.status.commands as { commandId: string }[];
      expect({
        lastSeq: result.lastSeq,
        state: stored?.execution.state,
        taskRuns: stored?.taskRuns.map((t) => t.taskId),
        logs: await messages('e-all'),
        commands: commands.map((c) => c.commandId),
        mark: await storage.sync.lastSeq('a1'),
      }).toEqual({
        lastSeq: 6,
        state: 'SUCCESS',
        taskRuns: ['first', 'second'],
        logs: [['INFO', 'hello']],
        commands: ['c-1'],
        mark: 6,
      });
    });
  });

  describe("the agent's store", () => {
    /** Batches of store `store` following `after`, one log line each of seqs `seqs`. */
    const logs = (store: string, after: number, ...seqs: number[]): IngestBatch => ({
      ...batch(
        after,
        ...seqs.map((seq) => ({ seq, kind: 'log' as const, data: { ...log('e-store', `line ${seq}`) } })),
      ),
      store,
    });
    const firstBatch = (store: string) => ({
      ...batch(0, { seq: 1, kind: 'execution', data: { ...execution('e-store', 'a1') } }),
      store,
    });

    it("starts the mark again with a new store's first batch, even before that store's hello", async () => {
      await storage.sync.ingest('a1', firstBatch('s1'));
      await storage.sync.ingest('a1', logs('s1', 1, 2, 3, 4));
      // The device's data is lost: a new store counts from 1 again.
      const result = await storage.sync.ingest('a1', logs('s2', 0, 1, 2));
      expect([result.outcome, result.storeReset, result.stored, await storage.sync.lastSeq('a1')]).toEqual([
        'stored',
        true,
        2,
        2,
      ]);
      expect(await messages('e-store')).toEqual([
        ['INFO', 'line 2'],
        ['INFO', 'line 3'],
        ['INFO', 'line 4'],
        ['INFO', 'line 1'],
        ['INFO', 'line 2'],
      ]);
    });

    it('stores nothing and acks nothing of a new store whose batch follows records never received', async () => {
      await storage.sync.ingest('a1', firstBatch('s1'));
      await storage.sync.ingest('a1', logs('s1', 1, 2, 3, 4, 5));
      const result = await storage.sync.ingest('a1', logs('s2', 3, 4));
      expect([result.outcome, await storage.sync.lastSeq('a1')]).toEqual(['other-store', 5]);
    });

    it('leaves the mark alone for a hello read after batches sent behind it were stored', async () => {
      await storage.sync.ingest('a1', firstBatch('s1'));
      await storage.sync.ingest('a1', logs('s1', 1, 2, 3, 4, 5));
      // The hello said highSeq 3 when it was sent; another replica stored up to 5 before it was read.
      const mark = await storage.sync.hello('a1', { highSeq: 3, ackedSeq: 1, store: 's1' });
      expect([mark, await storage.sync.lastSeq('a1')]).toEqual([
        { change: 'none', before: 5, lastSeq: 5 },
        5,
      ]);
    });

    it('starts the mark again on the hello of a new store, and of an agent without a store id below the mark', async () => {
      await storage.sync.ingest('a1', firstBatch('s1'));
      await storage.sync.ingest('a1', logs('s1', 1, 2, 3, 4, 5));
      expect(await storage.sync.hello('a1', { highSeq: 9, ackedSeq: 0, store: 's2' })).toEqual({
        change: 'reset',
        before: 5,
        lastSeq: 0,
      });
      await storage.sync.ingest(
        'a2',
        batch(0, { seq: 1, kind: 'execution', data: { ...execution('e-old', 'a2') } }),
      );
      expect(await storage.sync.hello('a2', { highSeq: 0, ackedSeq: 0 })).toEqual({
        change: 'reset',
        before: 1,
        lastSeq: 0,
      });
    });

    it('raises the mark to what the agent acked when the hub lost it (a restored database)', async () => {
      await storage.sync.ingest('a1', firstBatch('s1'));
      await storage.sync.resetSeq('a1', 0);
      expect(await storage.sync.hello('a1', { highSeq: 8, ackedSeq: 6, store: 's1' })).toEqual({
        change: 'raised',
        before: 0,
        lastSeq: 6,
      });
    });
  });

  describe('what an agent may report', () => {
    it('sets the execution agent to the agent that sent it', async () => {
      await storage.sync.ingest(
        'a2',
        batch(0, { seq: 1, kind: 'execution', data: { ...execution('e-claim', 'someone-else') } }),
      );
      expect((await storage.executions.get('e-claim'))?.execution.agentId).toBe('a2');
    });

    it("never overwrites another agent's execution, nor adds logs to it, and says why", async () => {
      await storage.sync.ingest(
        'a3',
        batch(0, { seq: 1, kind: 'execution', data: { ...execution('e-owned', 'a3') } }),
      );
      const result = await storage.sync.ingest(
        'a4',
        batch(
          0,
          { seq: 1, kind: 'execution', data: { ...execution('e-owned', 'a4', 'FAILED') } },
          { seq: 2, kind: 'log', data: { ...log('e-owned', 'intruder') } },
        ),
      );
      const stored = await storage.executions.get('e-owned');
      expect({
        state: stored?.execution.state,
        agent: stored?.execution.agentId,
        logs: await messages('e-owned'),
        refused: result.refused.map((r) => [r.seq, r.code, r.reason]),
        lastSeq: result.lastSeq,
      }).toEqual({
        state: 'RUNNING',
        agent: 'a3',
        logs: [],
        refused: [
          [1, 'foreign', 'execution e-owned belongs to agent a3'],
          [2, 'foreign', 'execution e-owned belongs to agent a3'],
        ],
        lastSeq: 2,
      });
    });

    it('refuses executions of a flow the agent was never assigned, with their task runs and logs, and acks past them', async () => {
      const result = await storage.sync.ingest(
        'a1',
        batch(
          0,
          {
            seq: 1,
            kind: 'execution',
            data: { ...execution('e-forged', 'a1', 'FAILED'), flowId: 'not-mine' },
          },
          { seq: 2, kind: 'taskRun', data: { ...run('t-forged', 'e-forged', 'x') } },
          { seq: 3, kind: 'log', data: { ...log('e-forged', 'forged') } },
          { seq: 4, kind: 'log', data: { ...log('e-never-seen', 'orphan') } },
        ),
      );
      expect({
        stored: await storage.executions.get('e-forged'),
        executions: result.executions,
        refused: result.refused.map((r) => [r.seq, r.code]),
        lastSeq: result.lastSeq,
      }).toEqual({
        stored: undefined,
        executions: [],
        refused: [
          [1, 'not-assigned'],
          [2, 'unknown-execution'],
          [3, 'unknown-execution'],
          [4, 'unknown-execution'],
        ],
        lastSeq: 4,
      });
    });

    it('stores nothing from a decommissioned agent, nor from one never registered, and keeps the mark', async () => {
      await storage.agents.decommission('a1');
      const b = batch(0, { seq: 1, kind: 'execution', data: { ...execution('e-late', 'a1') } });
      const gone = await storage.sync.ingest('a1', b);
      const stranger = await storage.sync.ingest('nobody', b);
      expect([gone.outcome, stranger.outcome, gone.lastSeq, await storage.executions.get('e-late')]).toEqual([
        'agent-gone',
        'agent-gone',
        0,
        undefined,
      ]);
    });
  });

  describe('records the hub cannot store as sent', () => {
    it('stores a FAILED placeholder for an execution record too large to send, and an ERROR line for a log line', async () => {
      const result = await storage.sync.ingest(
        'a1',
        batch(
          0,
          { seq: 1, kind: 'execution', data: { ...execution('e-big', 'a1') } },
          {
            seq: 2,
            kind: 'execution',
            data: { id: 'e-big', namespace: 'ns', flowId: 'f', tooLarge: true, bytes: 2_000_000 },
          },
          { seq: 3, kind: 'log', data: { executionId: 'e-big', tooLarge: true, bytes: 1_500_000 } },
        ),
      );
      const stored = (await storage.executions.get('e-big'))?.execution;
      expect({
        state: stored?.state,
        error: stored?.error,
        logs: await messages('e-big'),
        placeholders: result.placeholders.map((p) => p.seq),
        lastSeq: result.lastSeq,
      }).toEqual({
        state: 'FAILED',
        error:
          "this execution's record could not be stored: the agent's record of 2000000 bytes was too large to send",
        logs: [
          ['ERROR', expect.stringMatching(/record of this execution could not be stored/)],
          [
            'ERROR',
            "[a log line could not be stored: the agent's record of 1500000 bytes was too large to send]",
          ],
        ],
        placeholders: [2, 3],
        lastSeq: 3,
      });
    });

    it('stores a placeholder for a record whose date or integer the database cannot take', async () => {
      await storage.sync.ingest(
        'a1',
        batch(
          0,
          {
            seq: 1,
            kind: 'execution',
            data: { ...execution('e-odd', 'a1'), endDate: '+275760-09-13T00:00:00.000Z' },
          },
          { seq: 2, kind: 'log', data: { ...log('e-odd', 'fine'), attempt: 2 ** 40 } },
        ),
      );
      const stored = (await storage.executions.get('e-odd'))?.execution;
      expect([stored?.state, stored?.error, await messages('e-odd')]).toEqual([
        'FAILED',
        expect.stringMatching(/missing or invalid: endDate$/),
        [
          ['ERROR', expect.stringMatching(/could not be stored/)],
          ['ERROR', '[a log line could not be stored: missing or invalid: attempt]'],
        ],
      ]);
    });

    it('stores text holding lone surrogates with U+FFFD, and says so on the execution log', async () => {
      await storage.sync.ingest(
        'a1',
        batch(
          0,
          { seq: 1, kind: 'execution', data: { ...execution('e-text', 'a1'), inputs: { a: '\ud800' } } },
          { seq: 2, kind: 'log', data: { ...log('e-text', 'x\u0000y') } },
        ),
      );
      expect([(await storage.executions.get('e-text'))?.execution.inputs, await messages('e-text')]).toEqual([
        { a: '\uFFFD' },
        [
          ['INFO', 'x\uFFFDy'],
          ['WARN', expect.stringMatching(/U\+FFFD in the execution's record, at inputs\.a$/)],
          ['WARN', expect.stringMatching(/U\+FFFD in a log line, at message$/)],
        ],
      ]);
    });

    it('stores every other record of a batch the database refuses, the refused one as a placeholder, and raises the mark past it', async () => {
      await backend.rows("ALTER TABLE logs ADD CONSTRAINT test_refusal CHECK (message <> 'poison')");
      try {
        const result = await storage.sync.ingest(
          'a1',
          batch(
            0,
            { seq: 1, kind: 'execution', data: { ...execution('e-poison', 'a1') } },
            { seq: 2, kind: 'log', data: { ...log('e-poison', 'one') } },
            { seq: 3, kind: 'log', data: { ...log('e-poison', 'poison') } },
            { seq: 4, kind: 'log', data: { ...log('e-poison', 'three') } },
            { seq: 5, kind: 'execution', data: { ...execution('e-poison', 'a1', 'SUCCESS') } },
          ),
        );
        expect({
          outcome: result.outcome,
          lastSeq: result.lastSeq,
          mark: await storage.sync.lastSeq('a1'),
          state: (await storage.executions.get('e-poison'))?.execution.state,
          logs: await messages('e-poison'),
          placeholders: result.placeholders.map((p) => [p.seq, p.code]),
        }).toEqual({
          outcome: 'stored',
          lastSeq: 5,
          mark: 5,
          state: 'SUCCESS',
          logs: [
            ['INFO', 'one'],
            [
              'ERROR',
              expect.stringMatching(/^\[a log line could not be stored: .*test_refusal.*SQLSTATE 23514/),
            ],
            ['INFO', 'three'],
          ],
          placeholders: [[3, 'unusable']],
        });
      } finally {
        await backend.rows('ALTER TABLE logs DROP CONSTRAINT test_refusal');
      }
    });
  });

  describe('trigger toggles', () => {
    const toggle = (disabled: boolean): TriggerToggle => ({
      namespace: 'ns',
      flowId: 'f',
      triggerId: 'hourly',
      disabled,
      revision: 1,
      executionId: 'e-toggle',
    });
    /** Ingests as the fleet does, recording the toggles applied, the acks and the errors logged. */
    const ingester = (fail?: string) => {
      const applied: [string, TriggerToggle][] = [];
      const acks: number[] = [];
      const errors: Logged[] = [];
      const send = (after: number, ...records: EventRecord[]) =>
        ingestBatch(
          {
            sync: storage.sync,
            metrics: new FleetMetrics(new Registry()),
            logger: recordingLogger(errors),
            ack: async (_id, seq) => void acks.push(seq),
            toggle: async (agentId, t) => {
              if (fail) throw new Error(fail);
              applied.push([agentId, t]);
            },
          },
          'a1',
          { after, records },
        );
      return { applied, acks, errors, send };
    };
    const record = (seq: number, t: TriggerToggle): EventRecord => ({
      seq,
      kind: 'triggerToggle',
      at,
      data: { ...t },
    });

    it('applies a toggle once, in seq order, however often its batch comes', async () => {
      const { applied, acks, send } = ingester();
      const first = [record(1, toggle(true)), record(2, toggle(false))];
      await send(0, ...first);
      await send(0, ...first);
      await send(2, record(3, toggle(true)));
      expect(applied.map(([agent, t]) => [agent, t.disabled])).toEqual([
        ['a1', true],
        ['a1', false],
        ['a1', true],
      ]);
      expect(acks).toEqual([2, 2, 3]);
    });

    it('applies nothing of a batch that follows records not stored yet', async () => {
      const { applied, acks, send } = ingester();
      await send(5, record(6, toggle(true)));
      expect(applied).toEqual([]);
      expect(acks).toEqual([0]);
    });

    it('logs a toggle it cannot apply, saying why, and stores and acks the batch', async () => {
      const { acks, errors, send } = ingester('flow ns.f has no trigger hourly');
      await send(0, record(1, toggle(true)), {
        seq: 2,
        kind: 'execution',
        at,
        data: { ...execution('e-t', 'a1') },
      });
      expect(acks).toEqual([2]);
      expect(errors).toEqual([
        expect.objectContaining({
          obj: expect.objectContaining({
            seq: 1,
            triggerId: 'hourly',
            err: 'flow ns.f has no trigger hourly',
          }),
        }),
      ]);
      expect((await storage.executions.get('e-t'))?.execution.state).toBe('RUNNING');
    });
  });
}
