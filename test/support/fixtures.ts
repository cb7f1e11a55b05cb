/** Record builders shared by the store's tests (not used at run time). */
import type { Execution, LogLine, TaskRun } from '../../protocol/execution.js';
import { newId } from '../../protocol/ids.js';

/** A RUNNING execution with a fresh id; `overrides` replace any field. */
export function anExecution(overrides: Partial<Execution> = {}): Execution {
  const id = overrides.id ?? newId();
  return {
    id,
    namespace: 'plant1.lines',
    flowId: 'read-sensors',
    flowRevision: 3,
    state: 'RUNNING',
    inputs: { threshold: 21.5 },
    outputs: {},
    labels: { site: 'plant1' },
    trigger: null,
    originalId: id,
    agentId: 'gw-01',
    startDate: new Date().toISOString(),
    ...overrides,
  };
}

/** A RUNNING task run of `executionId`. */
export function aTaskRun(executionId: string, overrides: Partial<TaskRun> = {}): TaskRun {
  return {
    id: newId(),
    executionId,
    taskId: 'read',
    parentTaskRunId: null,
    value: null,
    valuePath: [],
    iteration: null,
    state: 'RUNNING',
    attempts: [{ state: 'RUNNING', startDate: new Date().toISOString() }],
    outputs: {},
    startDate: new Date().toISOString(),
    ...overrides,
  };
}

/** An INFO line of `executionId`. */
export function aLogLine(executionId: string, overrides: Partial<LogLine> = {}): LogLine {
  return {
    executionId,
    taskRunId: null,
    taskId: null,
    attempt: null,
    level: 'INFO',
    message: 'reading sensors',
    timestamp: new Date().toISOString(),
    ...overrides,
  };
}
