/** Kestra's PurgeExecutions on the hub's database: ended executions, their logs and files, removed. */
import { and, eq, gte, inArray, isNotNull, lte, type SQL } from 'drizzle-orm';
import { isTerminal, STATES } from '../../protocol/states.js';
import type { PurgeCounts, PurgeRequest } from '../../runtime/engine/ports.js';
import type { DirectoryFileStorage } from '../../runtime/file-storage.js';
import type { Db } from './db.js';
import { inNamespace } from './filters.js';
import { executions, logs, taskRuns } from './schema.js';

/** Purges what `request` names, one transaction per execution; the caller has flushed its queued writes. */
export async function purgeExecutions(
  db: Db,
  files: DirectoryFileStorage,
  request: PurgeRequest,
): Promise<PurgeCounts> {
  const states = (request.states ?? STATES).filter(isTerminal);
  const where: (SQL | undefined)[] = [
    inArray(executions.state, states),
    isNotNull(executions.endDate),
    lte(executions.startDate, new Date(request.endDate).toISOString()),
  ];
  if (request.startDate !== undefined)
    where.push(gte(executions.startDate, new Date(request.startDate).toISOString()));
  if (request.namespace !== undefined && request.flowId !== undefined)
    where.push(eq(executions.namespace, request.namespace), eq(executions.flowId, request.flowId));
  else if (request.namespace !== undefined) where.push(inNamespace(executions.namespace, request.namespace));
  const rows = await db
    .select({ id: executions.id })
    .from(executions)
    .where(and(...where));
  const counts: PurgeCounts = { executionsCount: 0, logsCount: 0, storagesCount: 0 };
  for (const { id } of rows) {
    await db.transaction(async (tx) => {
      if (request.logs) {
        const gone = await tx.delete(logs).where(eq(logs.executionId, id)).returning({ id: logs.id });
        counts.logsCount += gone.length;
      }
      if (request.executions) {
        await tx.delete(taskRuns).where(eq(taskRuns.executionId, id));
        const gone = await tx
          .delete(executions)
          .where(eq(executions.id, id))
          .returning({ id: executions.id });
        counts.executionsCount += gone.length;
      }
    });
    if (request.storage) counts.storagesCount += (await files.deleteExecutionFiles(id)).length;
  }
  return counts;
}
