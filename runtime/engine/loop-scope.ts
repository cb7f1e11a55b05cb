/**
 * Kestra's `Loop` runs each iteration as its own execution: the iteration's
 * tasks see `item`, and `outputs.<t>` of a task in its body is that
 * iteration's own. Tern runs iterations in the same execution, keyed by
 * iteration, and gives the tasks inside this view of them.
 */
import type { LoopIteration } from '../../protocol/plugin.js';

/** One enclosing Loop iteration, as the tasks inside see it. */
export interface LoopFrame {
  /** Kestra's `item`: `value`, `index`, `key` (map values), and the enclosing loops' as `parent` and `parents`. */
  item: Record<string, unknown>;
  /** The iteration alone, as an inner loop's `item.parent` shows it. */
  own: Record<string, unknown>;
  /** How many iteration keys lead to the iteration's outputs (its depth in the task run values). */
  depth: number;
  /** Ids of the tasks in the loop's body, nested ones too: their outputs are read per iteration. */
  ids: ReadonlySet<string>;
}

/** The frame of `iteration`, inside the loops of `outer`, its body's outputs `depth` keys deep. */
export function loopFrame(
  iteration: LoopIteration,
  outer: readonly LoopFrame[] | undefined,
  depth: number,
  body: unknown,
): LoopFrame {
  const own: Record<string, unknown> = { value: iteration.value, index: iteration.index };
  if (iteration.mapKey !== undefined) own.key = iteration.mapKey;
  const parents = (outer ?? []).map((f) => f.own);
  const item = parents.length > 0 ? { ...own, parent: parents.at(-1), parents } : own;
  return { item, own, depth, ids: taskIdsIn(body) };
}

/**
 * `outputs` as the tasks inside `frames` read them: for a task of a loop's
 * body, its outputs in this iteration (absent until it has run in it);
 * other tasks' as they are.
 */
export function iterationOutputs(
  outputs: Record<string, unknown>,
  valuePath: readonly string[],
  frames: readonly LoopFrame[],
): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const [id, node] of Object.entries(outputs)) {
    const frame = frames.findLast((f) => f.ids.has(id));
    if (!frame) {
      view[id] = node;
      continue;
    }
    let found: unknown = node;
    for (const key of valuePath.slice(0, frame.depth)) {
      found =
        typeof found === 'object' && found !== null ? (found as Record<string, unknown>)[key] : undefined;
    }
    if (found !== undefined) view[id] = found;
  }
  return view;
}

/** Ids of every task in a task list, nested ones included. */
function taskIdsIn(tasks: unknown): Set<string> {
  const ids = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const entry of value) visit(entry);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const node = value as Record<string, unknown>;
    if (typeof node.id === 'string' && typeof node.type === 'string') ids.add(node.id);
    for (const child of Object.values(node)) visit(child);
  };
  visit(tasks);
  return ids;
}
