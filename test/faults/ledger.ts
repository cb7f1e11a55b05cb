/**
 * Exactly-once accounting for fault tests: what the hub stored for an agent,
 * read from the hub's own database, set against what the agent itself holds in
 * its SQLite store. Both processes must be stopped before reading.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { expect } from 'vitest';
import { openDatabase } from '../../hub/store/db.js';
import { executions, logs, taskRuns } from '../../hub/store/schema.js';
import { isTerminal, type State } from '../../protocol/states.js';

/** Executions, task runs and log lines of one agent, as one side holds them. */
export interface Ledger {
  /** id → state */
  executions: Map<string, string>;
  /** id → state */
  taskRuns: Map<string, string>;
  /** One entry per stored log line (`execution|task run|attempt|level|time|message`), sorted: duplicates show. */
  logs: string[];
}

const logKey = (l: {
  executionId: string;
  taskRunId: string | null;
  attempt: number | null;
  level: string;
  ts: string | Date;
  message: string;
}) => [l.executionId, l.taskRunId, l.attempt, l.level, new Date(l.ts).toISOString(), l.message].join('|');

/** Where a stopped hub kept its data: a PostgreSQL URL, or its data dir (PGlite under `<dataDir>/pgdata`). */
export type HubStore = { url: string } | { dataDir: string };

/** Reads the agent's records from a stopped hub's database. */
export async function hubLedger(store: HubStore, agentId: string): Promise<Ledger> {
  const database = await openDatabase('url' in store ? store : { dataDir: join(store.dataDir, 'pgdata') });
  try {
    const { db } = database;
    const ownExecution = eq(executions.agentId, agentId);
    const execRows = await db
      .select({ id: executions.id, state: executions.state })
      .from(executions)
      .where(ownExecution);
    const runRows = await db
      .select({ id: taskRuns.id, state: taskRuns.state })
      .from(taskRuns)
      .innerJoin(executions, eq(executions.id, taskRuns.executionId))
      .where(ownExecution);
    const logRows = await db
      .select({
        executionId: logs.executionId,
        taskRunId: logs.taskRunId,
        attempt: logs.attempt,
        level: logs.level,
        ts: logs.ts,
        message: logs.message,
      })
      .from(logs)
      .innerJoin(executions, eq(executions.id, logs.executionId))
      .where(ownExecution);
    expect(new Set(execRows.map((r) => r.id)).size, 'execution rows with the same id').toBe(execRows.length);
    expect(new Set(runRows.map((r) => r.id)).size, 'task run rows with the same id').toBe(runRows.length);
    return {
      executions: new Map(execRows.map((r) => [r.id, r.state])),
      taskRuns: new Map(runRows.map((r) => [r.id, r.state])),
      logs: logRows.map(logKey).sort(),
    };
  } finally {
    await database.close();
  }
}

/** Reads a stopped agent's own records from its data dir. */
export function agentLedger(agentDataDir: string): Ledger {
  const db = new Database(join(agentDataDir, 'tern.db'), { readonly: true, fileMustExist: true });
  try {
    const execRows = db.prepare('SELECT id, state FROM executions').all() as { id: string; state: string }[];
    const runRows = db.prepare('SELECT id, state FROM task_runs').all() as { id: string; state: string }[];
    const logRows = db
      .prepare(
        'SELECT execution_id AS executionId, task_run_id AS taskRunId, attempt, level, ts, message FROM logs',
      )
      .all() as Parameters<typeof logKey>[0][];
    return {
      executions: new Map(execRows.map((r) => [r.id, r.state])),
      taskRuns: new Map(runRows.map((r) => [r.id, r.state])),
      logs: logRows.map(logKey).sort(),
    };
  } finally {
    db.close();
  }
}

/**
 * Every execution the hub named is stored once, ended, and the hub holds
 * exactly what the agent holds: the same executions and task runs in the same
 * states, and the same log lines, none missing and none twice.
 */
export function expectExactlyOnce(hub: Ledger, agent: Ledger, executionIds: readonly string[]): void {
  const expected = [...executionIds].sort();
  expect(new Set(expected).size, 'execution ids the hub handed out').toBe(expected.length);
  expect([...hub.executions.keys()].sort(), 'executions stored by the hub').toEqual(expected);
  const unfinished = [...hub.executions].filter(([, state]) => !isTerminal(state as State));
  expect(unfinished, 'executions the hub holds as not ended').toEqual([]);
  expect(hub.executions, 'execution states: hub vs agent').toEqual(agent.executions);
  expect(hub.taskRuns.size, 'task runs: hub vs agent').toBe(agent.taskRuns.size);
  expect(hub.taskRuns, 'task run states: hub vs agent').toEqual(agent.taskRuns);
  expect(hub.logs.length, 'log lines: hub vs agent').toBe(agent.logs.length);
  expect(hub.logs, 'log lines: hub vs agent').toEqual(agent.logs);
}
