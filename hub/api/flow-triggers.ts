/**
 * A flow's triggers: their state on the hub and on every agent (shown by
 * `GET /flows/{namespace}/{id}`), and disabling one as a new flow revision.
 */
import { isDeepStrictEqual } from 'node:util';
import { Type as T } from '@sinclair/typebox';
import { isMap, isScalar, isSeq, type Pair, parseDocument, type YAMLMap } from 'yaml';
import { TernError } from '../../protocol/errors.js';
import type { TriggerStatus } from '../../protocol/messages.js';
import type { FlowRecordRow } from '../store/types.js';
import { flowCheckerOf } from './flow-check.js';
import { acceptedFlow, flowNotFound } from './flow-source.js';
import type { RouteTable } from './route.js';
import {
  ErrorBodySchema,
  type FlowTrigger,
  type FlowWithTriggers,
  FlowWithTriggersSchema,
  Id,
  Namespace,
  type TriggerRuntimeState,
} from './schemas.js';
import type { HubServices } from './services.js';

export type { FlowTrigger, FlowWithTriggers, TriggerRuntimeState };

/** Registers `PUT /flows/{namespace}/{id}/triggers/{triggerId}`. */
export function flowTriggerRoutes(table: RouteTable, services: HubServices): void {
  table.add(
    {
      method: 'put',
      path: '/flows/:namespace/:id/triggers/:triggerId',
      operationId: 'setFlowTriggerDisabled',
      tag: 'flows',
      summary: 'Disable or enable a trigger',
      description:
        'Saves a new revision of the flow whose source has `disabled: true` on the trigger (or no `disabled` key), the rest of the source kept as it was; the hub and the agents follow it like any update. The same revision when the trigger is already in that state.',
      params: T.Object({ namespace: Namespace, id: Id, triggerId: Id }),
      body: { json: T.Object({ disabled: T.Boolean() }, { additionalProperties: false }) },
      responses: {
        200: { description: 'The flow and its triggers', schema: FlowWithTriggersSchema },
        400: { description: 'A body that is not `{disabled: boolean}`', schema: ErrorBodySchema },
        404: { description: 'No such live flow, or no such trigger in it', schema: ErrorBodySchema },
        422: { description: 'The edited flow is not valid (INVALID_FLOW)', schema: ErrorBodySchema },
      },
    },
    async (c, { params, body }) => {
      if (body.kind !== 'json') throw new TernError('BAD_REQUEST', 'a JSON body `{disabled}` is required');
      const row = await setTriggerDisabled(
        services,
        params.namespace,
        params.id,
        params.triggerId,
        body.value.disabled,
      );
      return c.json(await withTriggers(row, services));
    },
  );
}

/**
 * Saves a new revision of the flow whose source has the trigger disabled (or
 * enabled again), the rest of the source as it was, and tells the hub and the
 * agents; the same revision when the trigger already is so. Throws NOT_FOUND
 * for a missing flow or trigger.
 */
export async function setTriggerDisabled(
  services: HubServices,
  namespace: string,
  flowId: string,
  triggerId: string,
  disabled: boolean,
): Promise<FlowRecordRow> {
  const { flows } = services.storage;
  let row = await flows.get(namespace, flowId);
  if (!row) throw flowNotFound(namespace, flowId);
  const trigger = row.flow.triggers?.find((t) => t.id === triggerId);
  if (!trigger) throw new TernError('NOT_FOUND', `flow ${namespace}.${flowId} has no trigger ${triggerId}`);
  if ((trigger.disabled === true) !== disabled) {
    const source = withTriggerDisabled(row.source, triggerId, disabled);
    if (source === undefined)
      throw new TernError(
        'CONFLICT',
        `trigger ${triggerId} is not an entry of the source's \`triggers\`; update the flow instead`,
      );
    const checked = await flowCheckerOf(services).check({ kind: 'yaml', text: source });
    const saved = await flows.save(acceptedFlow(checked), source);
    row = saved.row;
    if (saved.outcome !== 'unchanged') services.onFlowChanged?.(row.namespace, row.id);
  }
  return row;
}

/**
 * The flow with one entry per trigger of its revision, in flow order: the hub's
 * own runtime first, then every agent whose last status reported it (by id).
 */
export async function withTriggers(row: FlowRecordRow, services: HubServices): Promise<FlowWithTriggers> {
  const declared = row.flow.triggers ?? [];
  if (declared.length === 0) return { ...row, triggers: [] };
  const mine = (s: TriggerStatus) => s.namespace === row.namespace && s.flowId === row.id;
  const hub = (services.triggerStatuses?.() ?? []).filter(mine);
  const agents = await services.storage.agents.flowTriggers(row.namespace, row.id);
  const triggers = declared.map((trigger): FlowTrigger => {
    const runtimes: TriggerRuntimeState[] = hub
      .filter((s) => s.triggerId === trigger.id)
      .map((s) => ({ runtime: 'hub', ...stateOf(s) }));
    for (const agent of agents)
      for (const s of agent.triggers)
        if (s.triggerId === trigger.id)
          runtimes.push({ runtime: 'agent', agentId: agent.agentId, online: agent.online, ...stateOf(s) });
    return { id: trigger.id, type: trigger.type, disabled: trigger.disabled === true, runtimes };
  });
  return { ...row, triggers };
}

/** The reported fields the API shows, picked one by one: a report may carry more. */
function stateOf(s: TriggerStatus): Omit<TriggerRuntimeState, 'runtime' | 'agentId' | 'online'> {
  return {
    revision: s.revision,
    ...(s.disabled === true && { disabled: true }),
    ...(s.lastFiredAt !== undefined && { lastFiredAt: s.lastFiredAt }),
    ...(s.lastExecutionId !== undefined && { lastExecutionId: s.lastExecutionId }),
    ...(s.next !== undefined && { next: s.next }),
    ...(s.lastError !== undefined && { lastError: { at: s.lastError.at, message: s.lastError.message } }),
    fired: s.fired,
    dropped: s.dropped,
  };
}

/**
 * The flow source with trigger `triggerId` disabled (`disabled: true`) or
 * enabled (its `disabled` key removed); undefined when `triggers` has no entry
 * with that id. The entry is edited in the text, so the rest of the source
 * stays byte for byte; an unusual layout goes through the yaml Document
 * instead, which keeps comments but re-indents.
 *
 * @example withTriggerDisabled('triggers:\n  - id: t\n    type: webhook\n', 't', true)
 * // 'triggers:\n  - id: t\n    disabled: true\n    type: webhook\n'
 */
export function withTriggerDisabled(
  source: string,
  triggerId: string,
  disabled: boolean,
): string | undefined {
  const doc = parseDocument(source);
  const triggers = doc.get('triggers', true);
  if (!isSeq(triggers)) return undefined;
  const entry = triggers.items.find((item): item is YAMLMap => isMap(item) && item.get('id') === triggerId);
  if (!entry) return undefined;
  const spliced = splice(source, entry, disabled);
  if (disabled) entry.set('disabled', true);
  else entry.delete('disabled');
  // The splice must mean exactly what the Document edit means; when it does not, the Document wins.
  if (spliced !== undefined && isDeepStrictEqual(parseDocument(spliced).toJS(), doc.toJS())) return spliced;
  return doc.toString({ lineWidth: 0 });
}

/** The text edit of the entry, or undefined when its layout is not a usual one. */
function splice(source: string, entry: YAMLMap, disabled: boolean): string | undefined {
  const pair = (key: string) =>
    entry.items.find((p): p is Pair<unknown, unknown> => isScalar(p.key) && p.key.value === key);
  const existing = pair('disabled');
  if (disabled) {
    if (existing) {
      const range = isScalar(existing.value) ? existing.value.range : undefined;
      return range ? `${source.slice(0, range[0])}true${source.slice(range[1])}` : undefined;
    }
    // A new line under `id` (one plain scalar, so one line), at the column of its key.
    const id = pair('id');
    const key = isScalar(id?.key) ? id.key.range : undefined;
    const value = isScalar(id?.value) ? id.value.range : undefined;
    if (!key || !value) return undefined;
    if (entry.flow) return `${source.slice(0, value[1])}, disabled: true${source.slice(value[1])}`;
    const column = key[0] - lineStart(source, key[0]);
    const end = lineEnd(source, value[1]);
    const newline = source.includes('\r\n') ? '\r\n' : '\n';
    return `${source.slice(0, end)}${newline}${' '.repeat(column)}disabled: true${source.slice(end)}`;
  }
  const key = isScalar(existing?.key) ? existing.key.range : undefined;
  const value = isScalar(existing?.value) ? existing.value.range : undefined;
  if (!key || !value) return undefined;
  if (entry.flow) {
    const next = /^\s*,\s*/.exec(source.slice(value[1]))?.[0];
    if (next !== undefined) return source.slice(0, key[0]) + source.slice(value[1] + next.length);
    const previous = /,\s*$/.exec(source.slice(0, key[0]))?.[0];
    if (previous === undefined) return undefined;
    return source.slice(0, key[0] - previous.length) + source.slice(value[1]);
  }
  const start = lineStart(source, key[0]);
  const end = lineEnd(source, value[1]);
  if (source.slice(key[0], end).includes('\n')) return undefined;
  const after = end + (source.startsWith('\r\n', end) ? 2 : source.startsWith('\n', end) ? 1 : 0);
  // Alone on its line: the line goes. After `- `: the next pair moves up onto the dash.
  if (source.slice(start, key[0]).trim() === '') return source.slice(0, start) + source.slice(after);
  const indent = /^[ ]*/.exec(source.slice(after))?.[0].length ?? 0;
  if (indent !== key[0] - start || source.startsWith('#', after + indent)) return undefined;
  return source.slice(0, key[0]) + source.slice(after + indent);
}

const lineStart = (source: string, at: number): number => source.lastIndexOf('\n', at - 1) + 1;

/** The offset of the line break ending the line of `at` (before a `\r`), or the end of the source. */
function lineEnd(source: string, at: number): number {
  const nl = source.indexOf('\n', at);
  if (nl === -1) return source.length;
  return source[nl - 1] === '\r' ? nl - 1 : nl;
}
