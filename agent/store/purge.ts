/** Kestra's PurgeExecutions on the agent's SQLite store: ended executions, their logs and files, removed. */
import type { Database } from 'better-sqlite3';
import { isTerminal, STATES } from '../../protocol/states.js';
import type { PurgeCounts, PurgeRequest } from '../../runtime/engine/ports.js';
import type { DirectoryFileStorage } from '../../runtime/file-storage.js';

/** Escapes `%`, `_` and `\\` for a LIKE pattern with `ESCAPE '\\'`. */
const likeEscape = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Purges what `request` names from `db` and `files`; the caller has committed its queued writes. */
export async function purgeExecutions(
  db: Database,
  files: DirectoryFileStorage,
  request: PurgeRequest,
): Promise<PurgeCounts> {
  const states = request.states ?? STATES.filter(isTerminal);
  const where = ['state IN (SELECT value FROM json_each(?))', 'end_date IS NOT NULL', 'start_date <= ?'];
  const args: unknown[] = [
    JSON.stringify(states.filter(isTerminal)),
    new Date(request.endDate).toISOString(),
  ];
  if (request.startDate !== undefined) {
    where.push('start_date >= ?');
    args.push(new Date(request.startDate).toISOString());
  }
  if (request.namespace !== undefined && request.flowId !== undefined) {
    where.push('namespace = ?', 'flow_id = ?');
    args.push(request.namespace, request.flowId);
  } else if (request.namespace !== undefined) {
    where.push("(namespace = ? OR namespace LIKE ? ESCAPE '\\')");
    args.push(request.namespace, `${likeEscape(request.namespace)}.%`);
  }
  const ids = db
    .prepare<unknown[], { id: string }>(`SELECT id FROM executions WHERE ${where.join(' AND ')}`)
    .all(...args)
    .map((r) => r.id);
  const counts: PurgeCounts = { executionsCount: 0, logsCount: 0, storagesCount: 0 };
  const deleteLogs = db.prepare('DELETE FROM logs WHERE execution_id = ?');
  const deleteTaskRuns = db.prepare('DELETE FROM task_runs WHERE execution_id = ?');
  const deleteExecution = db.prepare('DELETE FROM executions WHERE id = ?');
  for (const id of ids) {
    db.transaction(() => {
      if (request.logs) counts.logsCount += deleteLogs.run(id).changes;
      if (request.executions) {
        deleteTaskRuns.run(id);
        counts.executionsCount += deleteExecution.run(id).changes;
      }
    }).immediate();
    if (request.storage) counts.storagesCount += (await files.deleteExecutionFiles(id)).length;
  }
  return counts;
}
