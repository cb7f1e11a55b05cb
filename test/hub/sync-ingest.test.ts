/** Ingest on real storage (PGlite): records stored once by (agent, seq), and never over another agent's or the hub's. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkRecord } from '../../hub/fleet/ingest.js';
import { openHubStorage } from '../../hub/store/hub-storage.js';
import type { HubStorage, IngestRecord } from '../../hub/store/types.js';
import type { Execution, LogLine, TaskRun } from '../../protocol/execution.js';
import type { EventRecord } from '../../protocol/messages.js';

let storage: HubStorage;
beforeAll(async () => {
  storage = await openHubStorage();
}, 60_000);
afterAll(() => storage?.close());

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

const records = (...rs: Omit<EventRecord, 'at'>[]): IngestRecord[] =>
  rs.map((r) => checkRecord({ ...r, at }));

it('stores a batch sent twice only once', async () => {
  const batch = records(
    { seq: 1, kind: 'execution', data: { ...execution('e-dup', 'a1') } },
    { seq: 2, kind: 'log', data: { ...log('e-dup', 'one') } },
  );
  await storage.sync.ingest('a1', batch);
  const again = await storage.sync.ingest('a1', batch);
  const lines = await storage.executions.logs('e-dup', {});
  expect([again.duplicates, again.lastSeq, lines.items.length]).toEqual([2, 2, 1]);
});

it('sets the execution agent to the agent that sent it', async () => {
  await storage.sync.ingest(
    'a2',
    records({ seq: 1, kind: 'execution', data: { ...execution('e-claim', 'someone-else') } }),
  );
  expect((await storage.executions.get('e-claim'))?.execution.agentId).toBe('a2');
});

it("never overwrites another agent's execution, nor adds logs to it", async () => {
  await storage.sync.ingest(
    'a3',
    records({ seq: 1, kind: 'execution', data: { ...execution('e-owned', 'a3') } }),
  );
  await storage.sync.ingest(
    'a4',
    records(
      { seq: 1, kind: 'execution', data: { ...execution('e-owned', 'a4', 'FAILED') } },
      { seq: 2, kind: 'log', data: { ...log('e-owned', 'intruder') } },
    ),
  );
  const stored = await storage.executions.get('e-owned');
  const lines = await storage.executions.logs('e-owned', {});
  expect([stored?.execution.state, stored?.execution.agentId, lines.items.length]).toEqual([
    'RUNNING',
    'a3',
    0,
  ]);
});

it('counts the seq of a record it cannot store, so that the agent does not send it again', async () => {
  const result = await storage.sync.ingest(
    'a5',
    records(
      { seq: 1, kind: 'execution', data: { id: 'e-big', tooLarge: true, bytes: 2_000_000 } },
      { seq: 2, kind: 'log', data: { executionId: 'e-big' } },
    ),
  );
  expect([result.lastSeq, result.stored, result.logs.length]).toEqual([2, 2, 0]);
});

it('accepts gaps in seq (records the agent dropped)', async () => {
  await storage.sync.ingest(
    'a6',
    records({ seq: 3, kind: 'execution', data: { ...execution('e-gap', 'a6') } }),
  );
  const result = await storage.sync.ingest(
    'a6',
    records({ seq: 9, kind: 'log', data: { ...log('e-gap', 'later') } }),
  );
  expect([result.lastSeq, result.logs.length]).toEqual([9, 1]);
});

it("stores one batch's execution, task runs, logs and command answer together, task runs in creation order", async () => {
  await storage.agents.register('a7', {});
  const run = (id: string, taskId: string): TaskRun => ({
    id,
    executionId: 'e-all',
    taskId,
    parentTaskRunId: null,
    value: null,
    valuePath: [],
    iteration: null,
    state: 'SUCCESS',
    attempts: [],
    outputs: {},
    startDate: at,
  });
  const result = await storage.sync.ingest(
    'a7',
    records(
      { seq: 1, kind: 'execution', data: { ...execution('e-all', 'a7') } },
      { seq: 2, kind: 'taskRun', data: { ...run('t-2', 'second') } },
      { seq: 3, kind: 'taskRun', data: { ...run('t-1', 'first') } },
      { seq: 4, kind: 'log', data: { ...log('e-all', 'hello') } },
      { seq: 5, kind: 'command', data: { commandId: 'c-1', ok: true } },
      { seq: 6, kind: 'execution', data: { ...execution('e-all', 'a7', 'SUCCESS') } },
    ),
  );
  const stored = await storage.executions.get('e-all');
  const lines = await storage.executions.logs('e-all', {});
  const commands = (await storage.agents.get('a7'))?.status.commands as { commandId: string }[];
  expect({
    lastSeq: result.lastSeq,
    state: stored?.execution.state,
    taskRuns: stored?.taskRuns.map((t) => t.taskId),
    logs: lines.items.map((l) => l.message),
    commands: commands.map((c) => c.commandId),
    mark: await storage.sync.lastSeq('a7'),
  }).toEqual({
    lastSeq: 6,
    state: 'SUCCESS',
    taskRuns: ['first', 'second'],
    logs: ['hello'],
    commands: ['c-1'],
    mark: 6,
  });
});
