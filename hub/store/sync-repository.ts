/** The sync stream's storage (SPEC §4.2): an agent's records stored once by seq, in one transaction, before the ack. */
import { eq, type SQL, sql } from 'drizzle-orm';
import type { Execution, TaskRun } from '../../protocol/execution.js';
import type { CommandResult } from '../../protocol/messages.js';
import type { Db } from './db.js';
import { jsonText } from './json.js';
import { agentSync } from './schema.js';
import type { IngestRecord, IngestResult, SyncRepository } from './types.js';
import { chunks, executionRow, logRow, taskRunRow } from './write-batch.js';

/** Command answers kept per agent in `agents.status.commands`, newest last. */
export const KEPT_COMMAND_RESULTS = 50;

/** Rows per statement: one JSON parameter each, so only the statement's size bounds it. */
const CHUNK = 2000;

/**
 * {@link SyncRepository} on drizzle. Idempotence rests on the high-water mark
 * in `agent_sync`: an agent's seq strictly increases, so a record at or below
 * it was stored before (gaps, from an agent that dropped records, are fine).
 * The mark row is locked for the transaction, so two batches of one agent
 * never interleave, whichever hub process receives them.
 */
export class DrizzleSyncRepository implements SyncRepository {
  constructor(private readonly db: Db) {}

  async lastSeq(agentId: string): Promise<number> {
    const [row] = await this.db
      .select({ lastSeq: agentSync.lastSeq })
      .from(agentSync)
      .where(eq(agentSync.agentId, agentId));
    return row?.lastSeq ?? 0;
  }

  async resetSeq(agentId: string, seq: number): Promise<void> {
    await this.db
      .insert(agentSync)
      .values({ agentId, lastSeq: seq })
      .onConflictDoUpdate({ target: agentSync.agentId, set: { lastSeq: seq } });
  }

  /**
   * Stores the records after the agent's high-water mark and raises the mark,
   * in one transaction. Executions are upserted with `agentId` forced to the
   * sending agent and never overwrite another agent's or the hub's; task runs
   * and logs of such foreign executions are ignored too.
   */
  ingest(agentId: string, records: readonly IngestRecord[]): Promise<IngestResult> {
    return this.db.transaction(async (tx) => {
      const last = await lockMark(tx, agentId);
      const fresh = records.filter((r) => r.seq > last);
      const result: IngestResult = {
        lastSeq: last,
        stored: fresh.length,
        duplicates: records.length - fresh.length,
        executions: [],
        taskRuns: [],
        logs: [],
        commands: [],
        deletedTaskRuns: [],
      };
      if (fresh.length === 0) return result;

      // Records come in seq order: the latest state of an execution or task run wins.
      const executions = new Map<string, Execution>();
      const taskRuns = new Map<string, TaskRun>();
      const deleted = new Set<string>();
      for (const r of fresh) {
        if (r.kind === 'execution') executions.set(r.data.id, { ...r.data, agentId });
        else if (r.kind === 'taskRun') {
          taskRuns.set(r.data.id, r.data);
          deleted.delete(r.data.id);
        } else if (r.kind === 'taskRunDeleted') {
          // One statement may not both write and delete a row: a deletion cancels this batch's saves.
          taskRuns.delete(r.data.id);
          deleted.add(r.data.id);
        } else if (r.kind === 'log') result.logs.push(r.data);
        else if (r.kind === 'command') result.commands.push(r.data);
      }
      result.deletedTaskRuns = [...deleted];
      result.executions = [...executions.values()];
      // Task run ids sort by creation (`newId`); a batch holds them in the order of their latest save, so
      // sorting makes `task_runs.seq` follow creation, as the API's reads expect.
      result.taskRuns = [...taskRuns.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

      const writes: SQL[] = [];
      for (const rows of chunks(result.executions.map(executionRow), CHUNK))
        writes.push(upsertExecutions(jsonText(rows)));
      for (const rows of chunks(result.taskRuns.map(taskRunRow), CHUNK))
        writes.push(upsertTaskRuns(jsonText(rows), agentId));
      for (const rows of chunks(result.logs.map(logRow), CHUNK))
        writes.push(insertLogs(jsonText(rows), agentId));
      if (result.deletedTaskRuns.length > 0) writes.push(deleteTaskRuns(result.deletedTaskRuns, agentId));
      if (result.commands.length > 0)
        writes.push(appendCommandResults(agentId, result.commands.slice(-KEPT_COMMAND_RESULTS)));

      result.lastSeq = fresh.at(-1)!.seq;
      await tx.execute(
        withWrites(
          writes,
          sql`UPDATE agent_sync SET last_seq = ${result.lastSeq} WHERE agent_id = ${agentId}`,
        ),
      );
      return result;
    });
  }
}

/** The agent's high-water mark, its row created when missing and locked until the transaction ends. */
async function lockMark(tx: Pick<Db, 'select' | 'insert'>, agentId: string): Promise<number> {
  const locked = () =>
    tx
      .select({ lastSeq: agentSync.lastSeq })
      .from(agentSync)
      .where(eq(agentSync.agentId, agentId))
      .for('update');
  let [mark] = await locked();
  if (!mark) {
    await tx.insert(agentSync).values({ agentId, lastSeq: 0 }).onConflictDoNothing();
    [mark] = await locked();
  }
  return mark?.lastSeq ?? 0;
}

/**
 * One statement, one round trip: each write a data-modifying CTE, then `last`.
 * Every part sees the database as it was when the statement began, not the
 * other parts' rows; that is all {@link ownExecution} needs, since this
 * batch's executions are the sender's own.
 */
function withWrites(writes: readonly SQL[], last: SQL): SQL {
  if (writes.length === 0) return last;
  const ctes = writes.map((write, i) => sql`${sql.identifier(`w${i}`)} AS (${write})`);
  return sql`WITH ${sql.join(ctes, sql`, `)} ${last}`;
}

/** Upserts executions; an existing row is only updated when it belongs to the same agent. */
function upsertExecutions(payload: string) {
  return sql`INSERT INTO executions
      (id, namespace, flow_id, flow_revision, state, agent_id, labels, start_date, end_date, doc)
    SELECT id, namespace, flow_id, flow_revision, state, agent_id, labels, start_date, end_date, doc
    FROM jsonb_to_recordset(${payload}::jsonb) AS r(id text, namespace text, flow_id text, flow_revision int,
      state text, agent_id text, labels jsonb, start_date timestamptz, end_date timestamptz, doc jsonb)
    ON CONFLICT (id) DO UPDATE SET namespace = excluded.namespace, flow_id = excluded.flow_id,
      flow_revision = excluded.flow_revision, state = excluded.state, labels = excluded.labels,
      start_date = excluded.start_date, end_date = excluded.end_date, doc = excluded.doc
    WHERE executions.agent_id = excluded.agent_id`;
}

// The anti-join may reorder rows: ORDER BY the ordinality keeps `task_runs.seq` and `logs.id` in batch order.

/** True for rows whose execution is absent or this agent's (an execution may arrive after its task runs when records were dropped). */
const ownExecution = (agentId: string) =>
  sql`NOT EXISTS (SELECT 1 FROM executions e WHERE e.id = r.execution_id AND e.agent_id IS DISTINCT FROM ${agentId})`;

function upsertTaskRuns(payload: string, agentId: string) {
  return sql`INSERT INTO task_runs (id, execution_id, state, doc)
    SELECT r.id, r.execution_id, r.state, r.doc
    FROM ROWS FROM (jsonb_to_recordset(${payload}::jsonb) AS (id text, execution_id text, state text, doc jsonb))
      WITH ORDINALITY AS r(id, execution_id, state, doc, n)
    WHERE ${ownExecution(agentId)}
    ORDER BY r.n
    ON CONFLICT (id) DO UPDATE SET state = excluded.state, doc = excluded.doc
    WHERE task_runs.execution_id = excluded.execution_id`;
}

function insertLogs(payload: string, agentId: string) {
  return sql`INSERT INTO logs (execution_id, task_run_id, task_id, attempt, level, ts, message)
    SELECT r.execution_id, r.task_run_id, r.task_id, r.attempt, r.level, r.ts, r.message
    FROM ROWS FROM (jsonb_to_recordset(${payload}::jsonb) AS (execution_id text, task_run_id text, task_id text,
      attempt int, level text, ts timestamptz, message text))
      WITH ORDINALITY AS r(execution_id, task_run_id, task_id, attempt, level, ts, message, n)
    WHERE ${ownExecution(agentId)}
    ORDER BY r.n`;
}

/** Deletes task runs of this agent's executions. */
function deleteTaskRuns(ids: readonly string[], agentId: string) {
  return sql`DELETE FROM task_runs t WHERE t.id IN (SELECT jsonb_array_elements_text(${jsonText(ids)}::jsonb))
    AND EXISTS (SELECT 1 FROM executions e WHERE e.id = t.execution_id AND e.agent_id = ${agentId})`;
}

/** Appends answers to `agents.status.commands`, keeping the newest {@link KEPT_COMMAND_RESULTS}, in one statement. */
function appendCommandResults(agentId: string, results: CommandResult[]) {
  const at = new Date().toISOString();
  const added = jsonText(results.map((r) => ({ ...r, answeredAt: at })));
  return sql`UPDATE agents SET status = jsonb_set(status, '{commands}', (
      SELECT coalesce(jsonb_agg(c ORDER BY n), '[]'::jsonb) FROM (
        SELECT c, n FROM jsonb_array_elements(coalesce(agents.status->'commands', '[]'::jsonb) || ${added}::jsonb)
          WITH ORDINALITY AS t(c, n)
        ORDER BY n DESC LIMIT ${KEPT_COMMAND_RESULTS}) AS recent))
    WHERE id = ${agentId}`;
}
