/** A group-commit batch: what one transaction writes, and the SQL statements that write it. */
import { inArray, type SQL, sql } from 'drizzle-orm';
import type { Execution, LogLine, TaskRun } from '../../protocol/execution.js';
import type { Db } from './db.js';
import { jsonText, rowsJson } from './json.js';
import { type NoticesTold, ReplacedTextNotices } from './placeholders.js';
import { taskRuns } from './schema.js';

/** A KV entry as the cache holds it; undefined when the key is gone. */
export interface KvEntry {
  namespace: string;
  key: string;
  json: string;
  expiresAt: number | null;
}

export interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * What one transaction writes. Records are kept by reference and serialised
 * when the batch is taken for commit, so a record saved many times in one
 * turn is written once, in its latest state.
 */
export interface Batch {
  executions: Map<string, Execution>;
  taskRuns: Map<string, TaskRun>;
  /** Task runs deleted during the batch; deleted before `taskRuns` are written, so a re-saved one starts afresh. */
  deletedTaskRuns: Set<string>;
  logs: LogLine[];
  /** KV keys whose current cache entry (or absence) must be written. */
  kvKeys: Set<string>;
  /** Flushes waiting for this batch. */
  waiters: Waiter[];
}

/** One statement of a batch, run on the transaction (or on the database when it is alone). */
export type Statement = (db: Db) => Promise<unknown>;

export const emptyBatch = (): Batch => ({
  executions: new Map(),
  taskRuns: new Map(),
  deletedTaskRuns: new Set(),
  logs: [],
  kvKeys: new Set(),
  waiters: [],
});

export const isEmpty = (b: Batch): boolean =>
  b.executions.size === 0 &&
  b.taskRuns.size === 0 &&
  b.deletedTaskRuns.size === 0 &&
  b.logs.length === 0 &&
  b.kvKeys.size === 0;

/**
 * A failed batch put back in front of what was queued since: its logs come
 * first, newer saves of a record win, and a task run deleted since stays
 * deleted. The waiters are the newer batch's.
 */
export function mergeBatches(failed: Batch, newer: Batch): Batch {
  const merged = emptyBatch();
  for (const [id, e] of failed.executions) merged.executions.set(id, newer.executions.get(id) ?? e);
  for (const [id, e] of newer.executions) merged.executions.set(id, e);
  for (const [id, t] of failed.taskRuns) {
    if (!newer.deletedTaskRuns.has(id)) merged.taskRuns.set(id, newer.taskRuns.get(id) ?? t);
  }
  for (const [id, t] of newer.taskRuns) merged.taskRuns.set(id, t);
  merged.deletedTaskRuns = new Set([...failed.deletedTaskRuns, ...newer.deletedTaskRuns]);
  merged.logs = [...failed.logs, ...newer.logs];
  merged.kvKeys = new Set([...failed.kvKeys, ...newer.kvKeys]);
  merged.waiters = newer.waiters;
  return merged;
}

/** One record of a batch, for writing a batch's records apart when the database refuses one of them. */
export type BatchRecord =
  | { kind: 'execution'; execution: Execution }
  | { kind: 'taskRunDeleted'; id: string }
  | { kind: 'taskRun'; taskRun: TaskRun }
  | { kind: 'log'; line: LogLine }
  | { kind: 'kv'; id: string };

/** The batch's records in the order its statements write them. */
export function recordsOf(batch: Batch): BatchRecord[] {
  return [
    ...[...batch.executions.values()].map((execution) => ({ kind: 'execution' as const, execution })),
    ...[...batch.deletedTaskRuns].map((id) => ({ kind: 'taskRunDeleted' as const, id })),
    ...[...batch.taskRuns.values()].map((taskRun) => ({ kind: 'taskRun' as const, taskRun })),
    ...batch.logs.map((line) => ({ kind: 'log' as const, line })),
    ...[...batch.kvKeys].map((id) => ({ kind: 'kv' as const, id })),
  ];
}

/** A batch (without waiters) of `records`, written in their order when they come in {@link recordsOf}'s. */
export function batchOf(records: readonly BatchRecord[]): Batch {
  const batch = emptyBatch();
  for (const r of records) {
    if (r.kind === 'execution') batch.executions.set(r.execution.id, r.execution);
    else if (r.kind === 'taskRunDeleted') batch.deletedTaskRuns.add(r.id);
    else if (r.kind === 'taskRun') batch.taskRuns.set(r.taskRun.id, r.taskRun);
    else if (r.kind === 'log') batch.logs.push(r.line);
    else batch.kvKeys.add(r.id);
  }
  return batch;
}

/** Rows per statement; deletes bind one parameter per row, far below PostgreSQL's 65,535. */
const CHUNK = 1000;

/** The statements that write a batch, and the keys of the notices among them (told once committed). */
export interface BatchWrite {
  statements: Statement[];
  notices: string[];
}

/**
 * The statements that write `batch`, its records serialised now, at the call.
 * Each table's rows travel as one JSON document, expanded by
 * `json_to_recordset`: one parameter per statement instead of one per
 * value, which both drivers bind and PostgreSQL parses much faster. Text the
 * database cannot store is replaced (see `storableJson`), and the execution
 * gets a WARN line saying where, once per record (`told`).
 */
export function batchStatements(
  batch: Batch,
  kvEntry: (id: string) => KvEntry | undefined,
  told: NoticesTold,
  now: string,
): BatchWrite {
  const out: Statement[] = [];
  const notices = new ReplacedTextNotices(told, now);
  for (const rows of chunks([...batch.executions.values()].map(executionRow))) {
    const payload = rowsJson(rows, (row, places) => notices.execution(row, places));
    out.push((db) => db.execute(upsertExecutions(payload, { sameAgentOnly: false })));
  }
  for (const ids of chunks([...batch.deletedTaskRuns])) {
    out.push((db) => db.delete(taskRuns).where(inArray(taskRuns.id, ids)));
  }
  for (const rows of chunks([...batch.taskRuns.values()].map(taskRunRow))) {
    const payload = rowsJson(rows, (row, places) => notices.taskRun(row, places));
    // Rows come out of json_to_recordset in array order, so `seq` follows the order of first saves.
    out.push((db) =>
      db.execute(sql`INSERT INTO task_runs (id, execution_id, state, doc)
        SELECT id, execution_id, state, doc
        FROM json_to_recordset(${payload}::json) AS r(id text, execution_id text, state text, doc jsonb)
        ON CONFLICT (id) DO UPDATE SET execution_id = excluded.execution_id, state = excluded.state,
          doc = excluded.doc`),
    );
  }
  for (const rows of chunks(batch.logs.map(logRow)))
    out.push(insertLogs(rowsJson(rows, (row, places) => notices.log(row, places))));
  if (notices.lines.length > 0) out.push(insertLogs(jsonText(notices.lines.map(logRow))));
  out.push(...kvStatements(batch.kvKeys, kvEntry));
  return { statements: out, notices: notices.keys };
}

/**
 * Upserts executions from a JSON array of {@link executionRow}s. With `sameAgentOnly`, an existing
 * row is updated only when the incoming one names the same agent: an agent's ingest never
 * overwrites another agent's (or the hub's) execution; the hub's own writes own every row.
 */
export function upsertExecutions(payload: string, { sameAgentOnly }: { sameAgentOnly: boolean }): SQL {
  const upsert = sql`INSERT INTO executions
      (id, namespace, flow_id, flow_revision, state, agent_id, labels, start_date, end_date, doc)
    SELECT id, namespace, flow_id, flow_revision, state, agent_id, labels, start_date, end_date, doc
    FROM json_to_recordset(${payload}::json) AS r(id text, namespace text, flow_id text, flow_revision int,
      state text, agent_id text, labels jsonb, start_date timestamptz, end_date timestamptz, doc jsonb)
    ON CONFLICT (id) DO UPDATE SET namespace = excluded.namespace, flow_id = excluded.flow_id,
      flow_revision = excluded.flow_revision, state = excluded.state, agent_id = excluded.agent_id,
      labels = excluded.labels, start_date = excluded.start_date, end_date = excluded.end_date,
      doc = excluded.doc`;
  return sameAgentOnly ? sql`${upsert} WHERE executions.agent_id = excluded.agent_id` : upsert;
}

function insertLogs(payload: string): Statement {
  return (db) =>
    db.execute(sql`INSERT INTO logs (execution_id, task_run_id, task_id, attempt, level, ts, message)
      SELECT execution_id, task_run_id, task_id, attempt, level, ts, message
      FROM json_to_recordset(${payload}::json) AS r(execution_id text, task_run_id text, task_id text,
        attempt int, level text, ts timestamptz, message text)`);
}

function kvStatements(ids: Set<string>, kvEntry: (id: string) => KvEntry | undefined): Statement[] {
  const upserts: KvEntry[] = [];
  const deletes: [string, string][] = [];
  for (const id of ids) {
    const entry = kvEntry(id);
    if (entry) upserts.push(entry);
    else deletes.push(splitKvId(id));
  }
  const out: Statement[] = [];
  for (const rows of chunks(upserts)) {
    const values = rows.map(
      (e) =>
        sql`(${e.namespace}, ${e.key}, ${e.json}::jsonb, ${e.expiresAt === null ? null : new Date(e.expiresAt).toISOString()}::timestamptz)`,
    );
    out.push((db) =>
      db.execute(sql`INSERT INTO kv (namespace, key, value, expires_at) VALUES ${sql.join(values, sql`, `)}
        ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`),
    );
  }
  for (const keys of chunks(deletes)) {
    const pairs = keys.map(([ns, key]) => sql`(${ns}, ${key})`);
    out.push((db) => db.execute(sql`DELETE FROM kv WHERE (namespace, key) IN (${sql.join(pairs, sql`, `)})`));
  }
  return out;
}

/** The id of a KV key in the cache and the queue. */
export function kvId(namespace: string, key: string): string {
  return `${namespace}\u0000${key}`;
}

function splitKvId(id: string): [string, string] {
  const at = id.indexOf('\u0000');
  return [id.slice(0, at), id.slice(at + 1)];
}

// Rows are plain objects serialised now, at commit: the batch holds each record as it is at this moment.

/** Row shapes shared by the group commit and the agent ingest. */
export function executionRow(e: Execution) {
  return {
    id: e.id,
    namespace: e.namespace,
    flow_id: e.flowId,
    flow_revision: e.flowRevision,
    state: e.state,
    agent_id: e.agentId,
    labels: e.labels ?? {},
    // Normalised: Date.parse accepts forms that PostgreSQL may not.
    start_date: new Date(e.startDate).toISOString(),
    end_date: e.endDate === undefined ? null : new Date(e.endDate).toISOString(),
    doc: e,
  };
}

export function taskRunRow(t: TaskRun) {
  return { id: t.id, execution_id: t.executionId, state: t.state, doc: t };
}

export function logRow(line: LogLine) {
  return {
    execution_id: line.executionId,
    task_run_id: line.taskRunId,
    task_id: line.taskId,
    attempt: line.attempt,
    level: line.level,
    ts: new Date(line.timestamp).toISOString(),
    message: line.message,
  };
}

export function* chunks<T>(items: T[], size = CHUNK): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
