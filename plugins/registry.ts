/** The plugin registry: every task type by name and alias, with "did you mean" suggestions. */
import { distance } from 'fastest-levenshtein';
import type { AnyTaskDefinition, AnyTriggerDefinition } from '../protocol/plugin.js';

/** The known plugin types: tasks and triggers, each by type and alias. */
export interface Registry {
  /** By type or any alias. */
  task(type: string): AnyTaskDefinition | undefined;
  tasks(): readonly AnyTaskDefinition[];
  /** Every accepted type name (types and aliases). */
  taskTypes(): readonly string[];
  /**
   * Nearest known type name for a misspelt one, or undefined if nothing is
   * close. Kestra names are also compared on their last dotted segment, so
   * `io.kestra.core.tasks.log.Log` (an older Kestra name) finds the current one.
   */
  suggest(type: string): string | undefined;
  /** A trigger type by type or any alias. */
  trigger(type: string): AnyTriggerDefinition | undefined;
  triggers(): readonly AnyTriggerDefinition[];
  /** Every accepted trigger type name (types and aliases). */
  triggerTypes(): readonly string[];
  /** Nearest known trigger type name for a misspelt one, as {@link suggest} does for tasks. */
  suggestTrigger(type: string): string | undefined;
}

/** A definition with a type and aliases: a task or a trigger. */
interface Named {
  readonly type: string;
  readonly aliases: readonly string[];
}

/** Indexes definitions by type and alias; a name declared twice is a programming error. */
function indexByName<D extends Named>(defs: readonly D[], kind: string): Map<string, D> {
  const byName = new Map<string, D>();
  for (const def of defs) {
    if (!def.type) throw new Error(`a ${kind} definition has an empty type`);
    for (const name of [def.type, ...def.aliases]) {
      const existing = byName.get(name);
      if (existing) {
        const what = name === def.type ? 'type' : 'alias';
        throw new Error(
          `${kind} ${what} '${name}' of '${def.type}' is already declared by '${existing.type}'; each type and alias must be unique`,
        );
      }
      byName.set(name, def);
    }
  }
  return byName;
}

const lastSegment = (name: string): string => name.slice(name.lastIndexOf('.') + 1);

const sortedChars = (text: string): string => [...text].sort().join('');

/** Levenshtein distance, counting one swap of two letters (`lgo` for `log`) as a single edit. */
function editDistance(a: string, b: string): number {
  const d = distance(a, b);
  return d === 2 && a.length === b.length && sortedChars(a) === sortedChars(b) ? 1 : d;
}

/** Edits allowed before a name stops being "close": about one in three characters, at least one. */
const tolerance = (text: string): number => Math.max(1, Math.floor(text.length / 3));

/**
 * Picks the closest of `candidates` to `wanted`, comparing whole names and
 * last dotted segments case-insensitively; ties go to the name that differs
 * least overall (so `request` prefers `http.request` over the long Kestra name).
 *
 * @example closestName('shel', ['shell', 'log']) // 'shell'
 */
export function closestName(wanted: string, candidates: Iterable<string>): string | undefined {
  const text = wanted.toLowerCase();
  const segment = lastSegment(text);
  let best: { name: string; segment: number; full: number } | undefined;
  for (const name of candidates) {
    const lower = name.toLowerCase();
    const full = editDistance(text, lower);
    const seg = segment ? editDistance(segment, lastSegment(lower)) : Number.POSITIVE_INFINITY;
    // Long Kestra names share most of their text, so closeness is judged on the last segment's length.
    if (Math.min(full, seg) > tolerance(segment)) continue;
    const score = Math.min(seg, full);
    if (!best || score < best.segment || (score === best.segment && full < best.full)) {
      best = { name, segment: score, full };
    }
  }
  return best?.name;
}

/**
 * Builds a registry from task and trigger definitions. Throws when two
 * definitions of a kind share a type or an alias.
 *
 * @example
 * const registry = createRegistry([log, shell], [schedule]);
 * registry.task('io.kestra.plugin.core.log.Log') === log; // true
 * registry.trigger('io.kestra.plugin.core.trigger.Schedule') === schedule; // true
 */
export function createRegistry(
  tasks: readonly AnyTaskDefinition[],
  triggers: readonly AnyTriggerDefinition[] = [],
): Registry {
  const byName = indexByName(tasks, 'task');
  const names = Object.freeze([...byName.keys()]);
  const list = Object.freeze([...tasks]);
  const triggerByName = indexByName(triggers, 'trigger');
  const triggerNames = Object.freeze([...triggerByName.keys()]);
  const triggerList = Object.freeze([...triggers]);
  return {
    task: (type) => byName.get(type),
    tasks: () => list,
    taskTypes: () => names,
    suggest: (type) => (byName.has(type) ? type : closestName(type, names)),
    trigger: (type) => triggerByName.get(type),
    triggers: () => triggerList,
    triggerTypes: () => triggerNames,
    suggestTrigger: (type) => (triggerByName.has(type) ? type : closestName(type, triggerNames)),
  };
}
