/** Which type each task id of a flow has: what the engine needs to find a task run's definition from its id. */
import type { Flow } from '../../protocol/flow.js';

const TASK_LISTS = ['tasks', 'errors', 'finally', 'afterExecution', 'listeners'] as const;

/**
 * Every task of the flow, nested ones included, by id (ids are unique in a
 * valid flow). An outer task is met before what it holds, so an object inside
 * a task's properties that happens to have `id` and `type` never hides it.
 */
export function taskTypesById(flow: Flow): Map<string, string> {
  const types = new Map<string, string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const node = value as Record<string, unknown>;
    if (typeof node.id === 'string' && typeof node.type === 'string' && !types.has(node.id))
      types.set(node.id, node.type);
    for (const child of Object.values(node)) visit(child);
  };
  for (const key of TASK_LISTS) visit((flow as Record<string, unknown>)[key]);
  return types;
}
