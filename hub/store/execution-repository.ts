/** Executions, task runs and logs in PostgreSQL: the engine's `ExecutionStore` and the API's queries. */
import { and, asc, desc, eq, gt, gte, inArray, isNull, lt, type SQL, sql } from 'drizzle-orm';
import { TernError } from '../../protocol/errors.js';
import {
  type Execution,
  LOG_LEVELS,
  type LogLevel,
  type LogLine,
  type TaskRun,
} from '../../protocol/execution.js';
import type { NamespaceFileStore } from '../../protocol/plugin.js';
import type { State } from '../../protocol/states.js';
import type { ExecutionStore, PurgeCounts, PurgeRequest } from '../../runtime/engine/ports.js';
import type { DirectoryFileStorage } from '../../runtime/file-storage.js';
import type { Db } from './db.js';
import { purgeExecutions } from './execution-purge.js';
import { inNamespace, isoBound } from './filters.js';
import type { CachedKvStore } from './kv-cache.js';
import { decodeCursor, encodeCursor, pageLimit, toPage } from './paging.js';
import { executions, logs, taskRuns } from './schema.js';
import type {
  ExecutionFilter,
  ExecutionQueries,
  ExecutionStatsFilter,
  LogFilter,
  Page,
  StatsBucket,
} from './types.js';
import type { WriteQueue } from './write-queue.js';

/**
 * {@link ExecutionStore} and {@link ExecutionQueries} on drizzle. Writes go
 * through the {@link WriteQueue} (group commit); every read flushes it first,
 * so it sees every earlier write.
 */
export class ExecutionRepository implements ExecutionStore, ExecutionQueries {
  constructor(
    private readonly db: Db,
    private readonly queue: WriteQueue,
    readonly kv: CachedKvStore,
    readonly files: DirectoryFileStorage,
    readonly namespaceFiles: NamespaceFileStore,
  ) {}

  /** Queues an upsert of the execution; it is serialised when its batch commits. */
  saveExecution(execution: Execution): void {
    this.queue.saveExecution(execution);
  }

  /** Queues an upsert of the task run (serialised at commit, like {@link saveExecution}). */
  saveTaskRun(taskRun: TaskRun): void {
    this.queue.saveTaskRun(taskRun);
  }

  /** Queues the removal of task runs (a restart runs `errors` and `finally` afresh). */
  deleteTaskRuns(ids: readonly string[]): void {
    this.queue.deleteTaskRuns(ids);
  }

  /** Queues a log line; lines keep the order they were appended in. */
  appendLog(line: LogLine): void {
    this.queue.appendLog(line);
  }

  /** Resolves once everything queued before the call is committed. */
  flush(): Promise<void> {
    return this.queue.flush();
  }

  async getExecution(id: string): Promise<{ execution: Execution; taskRuns: TaskRun[] } | undefined> {
    await this.flush();
    const [row] = await this.db.select({ doc: executions.doc }).from(executions).where(eq(executions.id, id));
    if (!row) return undefined;
    const runs = await this.db
      .select({ doc: taskRuns.doc })
      .from(taskRuns)
      .where(eq(taskRuns.executionId, id))
      .orderBy(asc(taskRuns.seq));
    return { execution: row.doc as Execution, taskRuns: runs.map((r) => r.doc as TaskRun) };
  }

  /** The execution and its task runs, in the order the task runs were created. */
  get(id: string): Promise<{ execution: Execution; taskRuns: TaskRun[] } | undefined> {
    return this.getExecution(id);
  }

  /** Executions in any of `states`, oldest (by start date) first. */
  async listExecutionsByState(states: readonly State[]): Promise<Execution[]> {
    await this.flush();
    if (states.length === 0) return [];
    const rows = await this.db
      .select({ doc: executions.doc })
      .from(executions)
      .where(inArray(executions.state, [...states]))
      .orderBy(asc(executions.startDate), asc(executions.id));
    return rows.map((r) => r.doc as Execution);
  }

  /** Removes ended executions, their logs or files, as `request` says (Kestra's PurgeExecutions). */
  async purgeExecutions(request: PurgeRequest): Promise<PurgeCounts> {
    await this.flush();
    return purgeExecutions(this.db, this.files, request);
  }

  /** Every log line of the execution, in the order they were appended. */
  async listLogs(executionId: string): Promise<LogLine[]> {
    await this.flush();
    const rows = await this.db
      .select()
      .from(logs)
      .where(eq(logs.executionId, executionId))
      .orderBy(asc(logs.id));
    return rows.map(toLogLine);
  }

  /**
   * Executions matching every filter, newest first (start date, then id, both
   * descending). `namespace` also matches its sub-namespaces; `from` is
   * inclusive, `to` exclusive.
   */
  async list(filter: ExecutionFilter): Promise<Page<Execution>> {
    const limit = pageLimit(filter.limit);
    const where = scope(filter);
    if (filter.state !== undefined && filter.state.length > 0)
      where.push(inArray(executions.state, filter.state));
    if (filter.labels !== undefined && Object.keys(filter.labels).length > 0) {
      where.push(sql`${executions.labels} @> ${JSON.stringify(filter.labels)}::jsonb`);
    }
    const from = isoBound(filter.from, 'from');
    const to = isoBound(filter.to, 'to');
    if (from !== undefined) where.push(gte(executions.startDate, from));
    if (to !== undefined) where.push(lt(executions.startDate, to));
    if (filter.cursor !== undefined) {
      const [startDate, id] = decodeCursor('executions', filter.cursor, ['string', 'string']);
      if (Number.isNaN(Date.parse(startDate))) throw new TernError('BAD_REQUEST', 'invalid cursor');
      where.push(sql`(${executions.startDate}, ${executions.id}) < (${startDate}::timestamptz, ${id})`);
    }
    await this.flush();
    const rows = await this.db
      .select({ doc: executions.doc })
      .from(executions)
      .where(and(...where))
      .orderBy(desc(executions.startDate), desc(executions.id))
      .limit(limit + 1);
    return toPage(
      rows.map((r) => r.doc as Execution),
      limit,
      (e) => e,
      (e) => encodeCursor('executions', [e.startDate, e.id]),
    );
  }

  /** Executions counted by UTC bucket of their start date and by state, oldest bucket first. */
  async stats(filter: ExecutionStatsFilter): Promise<StatsBucket[]> {
    const from = isoBound(filter.from, 'from')!;
    const to = isoBound(filter.to, 'to')!;
    const where = [gte(executions.startDate, from), lt(executions.startDate, to), ...scope(filter)];
    // The unit is one of three literals, never user text.
    const bucket = sql`date_trunc(${sql.raw(`'${filter.interval}'`)}, ${executions.startDate} at time zone 'UTC')`;
    await this.flush();
    const rows = await this.db
      .select({
        start: sql<string>`to_char(${bucket}, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`,
        state: executions.state,
        count: sql<number>`count(*)::int`,
      })
      .from(executions)
      .where(and(...where))
      .groupBy(bucket, executions.state)
      .orderBy(bucket);
    const buckets: StatsBucket[] = [];
    for (const row of rows) {
      let last = buckets[buckets.length - 1];
      if (last?.start !== row.start) {
        last = { start: row.start, counts: {} };
        buckets.push(last);
      }
      last.counts[row.state as State] = Number(row.count);
    }
    return buckets;
  }

  /** An execution's log lines in order, at or above `level`, optionally of one task or task run. */
  async logs(executionId: string, filter: LogFilter): Promise<Page<LogLine>> {
    const limit = pageLimit(filter.limit);
    const where: (SQL | undefined)[] = [eq(logs.executionId, executionId)];
    if (filter.level !== undefined) where.push(inArray(logs.level, levelsFrom(filter.level)));
    if (filter.taskId !== undefined) where.push(eq(logs.taskId, filter.taskId));
    if (filter.taskRunId !== undefined) where.push(eq(logs.taskRunId, filter.taskRunId));
    if (filter.cursor !== undefined) {
      const [id] = decodeCursor('logs', filter.cursor, ['number']);
      where.push(gt(logs.id, id));
    }
    await this.flush();
    const rows = await this.db
      .select()
      .from(logs)
      .where(and(...where))
      .orderBy(asc(logs.id))
      .limit(limit + 1);
    return toPage(rows, limit, toLogLine, (r) => encodeCursor('logs', [r.id]));
  }
}

/** The namespace, flow and agent conditions shared by the list and the stats. */
function scope(filter: Pick<ExecutionFilter, 'namespace' | 'flowId' | 'agent'>): (SQL | undefined)[] {
  const where: (SQL | undefined)[] = [];
  if (filter.namespace !== undefined) where.push(inNamespace(executions.namespace, filter.namespace));
  if (filter.flowId !== undefined) where.push(eq(executions.flowId, filter.flowId));
  if (filter.agent !== undefined) {
    where.push(filter.agent === 'hub' ? isNull(executions.agentId) : eq(executions.agentId, filter.agent));
  }
  return where;
}

function levelsFrom(level: LogLevel): LogLevel[] {
  const at = LOG_LEVELS.indexOf(level);
  if (at < 0)
    throw new TernError('BAD_REQUEST', `level must be one of ${LOG_LEVELS.join(', ')}, got '${level}'`);
  return LOG_LEVELS.slice(at);
}

function toLogLine(row: typeof logs.$inferSelect): LogLine {
  return {
    executionId: row.executionId,
    taskRunId: row.taskRunId,
    taskId: row.taskId,
    attempt: row.attempt,
    level: row.level as LogLevel,
    message: row.message,
    timestamp: row.ts.toISOString(),
  };
}
