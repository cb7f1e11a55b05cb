/** The SQL of one ingest: every write a data-modifying CTE of one statement, guarded so an agent writes only its own executions. */
import { type SQL, sql } from 'drizzle-orm';
import type { CommandResult } from '../../protocol/messages.js';
import { jsonText } from './json.js';

/** Command answers kept per agent in `agents.status.commands`, newest last. */
export const KEPT_COMMAND_RESULTS = 50;

/**
 * One statement, one round trip: each write a data-modifying CTE, then `last`.
 * Every part sees the database as it was when the statement began, not the
 * other parts' rows; that is all {@link ownExecution} needs, since this
 * batch's executions are the sender's own.
 */
export function withWrites(writes: readonly SQL[], last: SQL): SQL {
  if (writes.length === 0) return last;
  const ctes = writes.map((write, i) => sql`${sql.identifier(`w${i}`)} AS (${write})`);
  return sql`WITH ${sql.join(ctes, sql`, `)} ${last}`;
}

// The anti-join may reorder rows: ORDER BY the ordinality keeps `task_runs.seq` and `logs.id` in batch order.

/** True for rows whose execution is absent or this agent's (an execution may arrive after its task runs when records were dropped). */
const ownExecution = (agentId: string) =>
  sql`NOT EXISTS (SELECT 1 FROM executions e WHERE e.id = r.execution_id AND e.agent_id IS DISTINCT FROM ${agentId})`;

export function upsertTaskRuns(payload: string, agentId: string) {
  return sql`INSERT INTO task_runs (id, execution_id, state, doc)
    SELECT r.id, r.execution_id, r.state, r.doc
    FROM ROWS FROM (jsonb_to_recordset(${payload}::jsonb) AS (id text, execution_id text, state text, doc jsonb))
      WITH ORDINALITY AS r(id, execution_id, state, doc, n)
    WHERE ${ownExecution(agentId)}
    ORDER BY r.n
    ON CONFLICT (id) DO UPDATE SET state = excluded.state, doc = excluded.doc
    WHERE task_runs.execution_id = excluded.execution_id`;
}

export function insertLogs(payload: string, agentId: string) {
  return sql`INSERT INTO logs (execution_id, task_run_id, task_id, attempt, level, ts, message)
    SELECT r.execution_id, r.task_run_id, r.task_id, r.attempt, r.level, r.ts, r.message
    FROM ROWS FROM (jsonb_to_recordset(${payload}::jsonb) AS (execution_id text, task_run_id text, task_id text,
      attempt int, level text, ts timestamptz, message text))
      WITH ORDINALITY AS r(execution_id, task_run_id, task_id, attempt, level, ts, message, n)
    WHERE ${ownExecution(agentId)}
    ORDER BY r.n`;
}

/** Deletes task runs of this agent's executions. */
export function deleteTaskRuns(ids: readonly string[], agentId: string) {
  return sql`DELETE FROM task_runs t WHERE t.id IN (SELECT jsonb_array_elements_text(${jsonText(ids)}::jsonb))
    AND EXISTS (SELECT 1 FROM executions e WHERE e.id = t.execution_id AND e.agent_id = ${agentId})`;
}

/** Appends answers to `agents.status.commands`, keeping the newest {@link KEPT_COMMAND_RESULTS}, in one statement. */
export function appendCommandResults(agentId: string, results: CommandResult[]) {
  const at = new Date().toISOString();
  const added = jsonText(results.map((r) => ({ ...r, answeredAt: at })));
  return sql`UPDATE agents SET status = jsonb_set(status, '{commands}', (
      SELECT coalesce(jsonb_agg(c ORDER BY n), '[]'::jsonb) FROM (
        SELECT c, n FROM jsonb_array_elements(coalesce(agents.status->'commands', '[]'::jsonb) || ${added}::jsonb)
          WITH ORDINALITY AS t(c, n)
        ORDER BY n DESC LIMIT ${KEPT_COMMAND_RESULTS}) AS recent))
    WHERE id = ${agentId}`;
}
