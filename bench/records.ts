/**
 * Agent-shaped sync records: what an agent's outbox holds after running a
 * 2-task flow (log + output), one execution, two task runs and one log line
 * per execution, in the shapes and sizes the engine writes them.
 */
import type { Execution, LogLine, TaskRun } from '../protocol/execution.js';
import { newId } from '../protocol/ids.js';
import type { EventRecord } from '../protocol/messages.js';

/** The flow the records are executions of: it must be assigned to the sending agents (any agent matches). */
export const BENCH_FLOW = {
  namespace: 'bench',
  id: 'bench',
  yaml: 'id: bench\nnamespace: bench\nrunsOn: {labels: {}}\ntasks:\n  - id: hello\n    type: log\n    message: hi\n',
};

/** Records per execution in {@link agentRecords}. */
export const RECORDS_PER_EXECUTION = 4;

/** `count` records (rounded up to whole executions) with seq from `firstSeq`, in seq order. */
export function agentRecords(agentId: string, count: number, firstSeq = 1): EventRecord[] {
  const out: EventRecord[] = [];
  let seq = firstSeq;
  const push = (kind: EventRecord['kind'], data: object) =>
    out.push({ seq: seq++, kind, at: new Date().toISOString(), data: data as Record<string, unknown> });
  for (let n = 0; out.length < count; n++) {
    const at = new Date().toISOString();
    const id = newId();
    const hello = taskRun(id, 'hello', at, {});
    push('execution', execution(id, agentId, n, at));
    push('taskRun', hello);
    push('log', logLine(id, hello.id, `reading ${n}`, at));
    push('taskRun', taskRun(id, 'out', at, { values: { doubled: n * 2 } }));
  }
  return out;
}

/** `records` cut into consecutive batches of at most `size`, as an agent's drain sends them. */
export function batches<T>(records: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < records.length; i += size) out.push(records.slice(i, i + size));
  return out;
}

function execution(id: string, agentId: string, n: number, at: string): Execution & { stage: 'done' } {
  return {
    id,
    namespace: 'bench',
    flowId: 'bench',
    flowRevision: 1,
    state: 'SUCCESS',
    inputs: {},
    outputs: {},
    labels: {},
    trigger: { value: n },
    originalId: id,
    parentExecutionId: null,
    agentId,
    startDate: at,
    stage: 'done',
    variables: {},
    endDate: at,
  };
}

function taskRun(executionId: string, taskId: string, at: string, outputs: Record<string, unknown>): TaskRun {
  return {
    id: newId(),
    executionId,
    taskId,
    parentTaskRunId: null,
    value: null,
    valuePath: [],
    iteration: null,
    state: 'SUCCESS',
    attempts: [{ state: 'SUCCESS', startDate: at, endDate: at }],
    outputs,
    startDate: at,
    endDate: at,
  };
}

function logLine(executionId: string, taskRunId: string, message: string, at: string): LogLine {
  return { executionId, taskRunId, taskId: 'hello', attempt: 1, level: 'INFO', message, timestamp: at };
}
