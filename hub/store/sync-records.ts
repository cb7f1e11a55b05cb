/**
 * An agent's fresh records sorted before they are written: what is stored as sent, what becomes a
 * placeholder, and what is refused because the agent may not report it (docs/security.md, "What an
 * agent may report").
 */
import type { Execution, LogLine, TaskRun } from '../../protocol/execution.js';
import type { CommandResult } from '../../protocol/messages.js';
import { failedExecution, failedTaskRun, noticeLine, placeholderLine } from './placeholders.js';
import type { IngestRecord, RecordNotStored, RefusalCode, ReportScope } from './types.js';

/** What the records of one write come to. */
export interface SortedRecords {
  /** Latest state per execution (records come in seq order), `agentId` set to the sender. */
  executions: Map<string, Execution>;
  taskRuns: Map<string, TaskRun>;
  deletedTaskRuns: Set<string>;
  logs: LogLine[];
  commands: CommandResult[];
  placeholders: RecordNotStored[];
  refused: RecordNotStored[];
}

/** What sorting needs to know besides the records. */
export interface SortingContext {
  agentId: string;
  scope: ReportScope;
  /** Owner of each stored execution the batch names: an agent id, or null for the hub's. */
  owners: ReadonlyMap<string, string | null>;
  /** Executions accepted from the batch's own execution records (the whole batch, not only this write). */
  acceptedInBatch: ReadonlySet<string>;
  now: string;
}

type Verdict = { code: RefusalCode; reason: string } | undefined;

/** The key of a flow in a {@link ReportScope}. */
export const flowKey = (namespace: string, flowId: string): string => `${namespace}/${flowId}`;

/**
 * Which executions an agent may report: those of flows the hub ever assigned it. The fleet keeps them
 * in the agent's status (`assignedFlows`, see hub/fleet/types.ts); the flows of its last `desired`
 * count too, for agents whose status predates that list.
 */
export function reportScope(known: {
  assignedFlows: readonly string[];
  desiredFlows: readonly string[];
}): ReportScope {
  return { flows: new Set([...known.assignedFlows, ...known.desiredFlows]) };
}

/** Every execution id the records name, to look their owners up. */
export function executionIdsOf(records: readonly IngestRecord[]): Set<string> {
  const ids = new Set<string>();
  for (const r of records) {
    if (r.kind === 'execution') ids.add(r.data.id);
    else if (r.kind === 'taskRun' || r.kind === 'log') ids.add(r.data.executionId);
    else if (r.kind === 'unusable') {
      const id = r.recordKind === 'execution' ? r.data.id : r.data.executionId;
      if (typeof id === 'string') ids.add(id);
    }
  }
  return ids;
}

/**
 * An execution record is accepted when its execution is not another agent's or the hub's, and its
 * flow is in the agent's scope (assigned to it now or before).
 */
function executionVerdict(c: Pick<SortingContext, 'agentId' | 'scope' | 'owners'>, e: Fields): Verdict {
  const id = String(e.id);
  if (c.owners.has(id) && c.owners.get(id) !== c.agentId) {
    const owner = c.owners.get(id);
    return { code: 'foreign', reason: `execution ${id} belongs to ${owner ? `agent ${owner}` : 'the hub'}` };
  }
  if (!c.scope.flows.has(flowKey(String(e.namespace), String(e.flowId))))
    return {
      code: 'not-assigned',
      reason: `flow ${String(e.namespace)}.${String(e.flowId)} was never assigned to agent ${c.agentId}`,
    };
  return undefined;
}

/** The executions whose own records in `records` are accepted. */
export function acceptedExecutions(
  records: readonly IngestRecord[],
  c: Pick<SortingContext, 'agentId' | 'scope' | 'owners'>,
): Set<string> {
  const accepted = new Set<string>();
  for (const r of records) {
    const data =
      r.kind === 'execution' ? (r.data as unknown as Fields) : r.kind === 'unusable' ? r.data : undefined;
    if (!data || (r.kind === 'unusable' && !hasExecutionIds(data))) continue;
    if (r.kind === 'unusable' && r.recordKind !== 'execution') continue;
    if (executionVerdict(c, data) === undefined) accepted.add(String(data.id));
  }
  return accepted;
}

/** A task run or log line is accepted when its execution is the agent's, stored or accepted in this batch. */
function partVerdict(c: SortingContext, executionId: string): Verdict {
  if (c.owners.get(executionId) === c.agentId || c.acceptedInBatch.has(executionId)) return undefined;
  if (c.owners.has(executionId)) return executionVerdict(c, { id: executionId });
  return { code: 'unknown-execution', reason: `execution ${executionId} is not one of agent ${c.agentId}'s` };
}

type Fields = Record<string, unknown>;

const isText = (v: unknown): v is string => typeof v === 'string' && v !== '';
const hasExecutionIds = (d: Fields) => isText(d.id) && isText(d.namespace) && isText(d.flowId);

/** Sorts `fresh` (records after the agent's mark, in seq order). */
export function sortRecords(fresh: readonly IngestRecord[], c: SortingContext): SortedRecords {
  const out: SortedRecords = {
    executions: new Map(),
    taskRuns: new Map(),
    deletedTaskRuns: new Set(),
    logs: [],
    commands: [],
    placeholders: [],
    refused: [],
  };
  const refuse = (r: IngestRecord, kind: string, v: NonNullable<Verdict>, executionId?: string) =>
    out.refused.push({ seq: r.seq, kind, ...v, ...(executionId !== undefined && { executionId }) });
  for (const r of fresh) {
    switch (r.kind) {
      case 'execution': {
        const v = executionVerdict(c, r.data as unknown as Fields);
        if (v) refuse(r, r.kind, v, r.data.id);
        else out.executions.set(r.data.id, { ...r.data, agentId: c.agentId });
        break;
      }
      case 'taskRun': {
        const v = partVerdict(c, r.data.executionId);
        if (v) refuse(r, r.kind, v, r.data.executionId);
        else {
          out.taskRuns.set(r.data.id, r.data);
          out.deletedTaskRuns.delete(r.data.id);
        }
        break;
      }
      case 'taskRunDeleted':
        // One statement may not both write and delete a row: a deletion cancels this batch's saves.
        // Only task runs of the agent's own executions are deleted (the statement checks).
        out.taskRuns.delete(r.data.id);
        out.deletedTaskRuns.add(r.data.id);
        break;
      case 'log': {
        const v = partVerdict(c, r.data.executionId);
        if (v) refuse(r, r.kind, v, r.data.executionId);
        else out.logs.push(r.data);
        break;
      }
      case 'command':
        out.commands.push(r.data);
        break;
      case 'triggerToggle':
        // Applied before the batch is stored (hub/fleet/ingest.ts): nothing of it is kept.
        break;
      case 'unusable': {
        const not = placeholder(r, c, out);
        if (not) refuse(r, r.recordKind, not.verdict, not.executionId);
        break;
      }
      case 'refused':
        refuse(r, r.recordKind, { code: r.code, reason: r.reason });
        break;
    }
  }
  return out;
}

/**
 * A FAILED execution or task run (with an ERROR line on the execution's log), or an ERROR log line, in
 * place of an unusable record of an execution the agent may report. Returns why not when there is none.
 */
function placeholder(
  r: Extract<IngestRecord, { kind: 'unusable' }>,
  c: SortingContext,
  out: SortedRecords,
): { verdict: NonNullable<Verdict>; executionId?: string } | undefined {
  const { data, reason, recordKind } = r;
  const unusable = { code: 'unusable' as const, reason };
  const executionId = recordKind === 'execution' ? data.id : data.executionId;
  if (!isText(executionId) || (recordKind === 'execution' && !hasExecutionIds(data)))
    return { verdict: unusable };
  const v = recordKind === 'execution' ? executionVerdict(c, data) : partVerdict(c, executionId);
  if (v) return { verdict: v, executionId };
  const note = (what: string) =>
    out.logs.push(
      noticeLine(executionId, 'ERROR', `the agent's record of ${what} could not be stored: ${reason}`, c.now),
    );
  if (recordKind === 'execution') {
    out.executions.set(executionId, { ...failedExecution(data, reason, c.now), agentId: c.agentId });
    note('this execution');
  } else if (recordKind === 'taskRun' && isText(data.id)) {
    out.taskRuns.set(data.id, failedTaskRun(data, reason, c.now));
    out.deletedTaskRuns.delete(data.id);
    note(`task run ${String(data.taskId ?? data.id)}`);
  } else if (recordKind === 'log') out.logs.push(placeholderLine(data, reason, c.now));
  else return { verdict: unusable, executionId };
  out.placeholders.push({ seq: r.seq, kind: recordKind, ...unusable, executionId });
  return undefined;
}
