/**
 * The plugin registry: every task and trigger type by name and alias, with "did you mean" suggestions.
 * A registry knows every type's names from the start; the definitions are either given at once
 * ({@link createRegistry}) or loaded when a flow first needs them ({@link createLazyRegistry}).
 */
import { distance } from 'fastest-levenshtein';
import type { AnyTaskDefinition, AnyTriggerDefinition } from '../protocol/plugin.js';

/** The known plugin types: tasks and triggers, each by type and alias. */
export interface Registry {
  /**
   * Makes the definitions of these types (names or aliases; unknown names are
   * ignored) available to {@link task} and {@link trigger}: what a flow's
   * validation and run need. Resolved at once when every definition is loaded.
   */
  load(names: Iterable<string>): Promise<void>;
  /** By type or any alias; undefined for an unknown type, or one not {@link load}ed yet. */
  task(type: string): AnyTaskDefinition | undefined;
  /** The task definitions loaded. */
  tasks(): readonly AnyTaskDefinition[];
  /** Every accepted type name (types and aliases). */
  taskTypes(): readonly string[];
  /**
   * Nearest known type name for a misspelt one, or undefined if nothing is
   * close. Kestra names are also compared on their last dotted segment, so
   * `io.kestra.core.tasks.log.Log` (an older Kestra name) finds the current one.
   */
  suggest(type: string): string | undefined;
  /** A trigger type by type or any alias, as {@link task} does for tasks. */
  trigger(type: string): AnyTriggerDefinition | undefined;
  /** The trigger definitions loaded. */
  triggers(): readonly AnyTriggerDefinition[];
  /** Every accepted trigger type name (types and aliases). */
  triggerTypes(): readonly string[];
  /** Nearest known trigger type name for a misspelt one, as {@link suggest} does for tasks. */
  suggestTrigger(type: string): string | undefined;
  /** The type of every task and trigger (not their aliases), loaded or not: what an agent says it runs. */
  typeNames(): readonly string[];
}

/** A plugin module, known by its names before it is loaded: what plugins/catalog.ts lists. */
export interface CatalogEntry {
  readonly kind: 'task' | 'trigger';
  /** The definition's type, then its aliases. */
  readonly names: readonly string[];
  /** Imports the module; its default export is the definition. */
  load(): Promise<{ default: AnyTaskDefinition | AnyTriggerDefinition }>;
}

/** A definition's place in a registry: its names, and the definition once loaded. */
interface Slot<D> {
  readonly names: readonly string[];
  def?: D;
  loading?: Promise<void>;
  readonly load?: () => Promise<unknown>;
}

/** Indexes slots by type and alias; a name declared twice is a programming error. */
function indexByName<D>(slots: readonly Slot<D>[], kind: string): Map<string, Slot<D>> {
  const byName = new Map<string, Slot<D>>();
  for (const slot of slots) {
    const [type] = slot.names;
    if (!type) throw new Error(`a ${kind} definition has an empty type`);
    for (const name of slot.names) {
      const existing = byName.get(name);
      if (existing) {
        const what = name === type ? 'type' : 'alias';
        throw new Error(
          `${kind} ${what} '${name}' of '${type}' is already declared by '${existing.names[0]}'; each type and alias must be unique`,
        );
      }
      byName.set(name, slot);
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

/** One kind's slots: by name, and the defs loaded in the slots' order. */
function kindIndex<D>(slots: readonly Slot<D>[], kind: string) {
  const byName = indexByName(slots, kind);
  const names = Object.freeze([...byName.keys()]);
  return {
    get: (type: string) => byName.get(type)?.def,
    slot: (type: string) => byName.get(type),
    defs: (): readonly D[] => slots.flatMap((s) => (s.def ? [s.def] : [])),
    names: () => names,
    suggest: (type: string) => (byName.has(type) ? type : closestName(type, names)),
  };
}

/** The registry over both kinds' slots: what {@link createRegistry} and {@link createLazyRegistry} share. */
function registryOf(
  tasks: readonly Slot<AnyTaskDefinition>[],
  triggers: readonly Slot<AnyTriggerDefinition>[],
): Registry {
  const task = kindIndex(tasks, 'task');
  const trigger = kindIndex(triggers, 'trigger');
  const typeNames = Object.freeze([...tasks, ...triggers].map((s) => s.names[0]!));
  // One import per module, however many loads ask for it at once.
  const loadSlot = (slot: Slot<AnyTaskDefinition | AnyTriggerDefinition> | undefined) => {
    if (!slot || slot.def || !slot.load) return slot?.loading;
    slot.loading ??= slot.load().then((module) => {
      slot.def = (module as { default: AnyTaskDefinition | AnyTriggerDefinition }).default;
    });
    return slot.loading;
  };
  return {
    async load(names) {
      const pending: Promise<void>[] = [];
      for (const name of names) {
        for (const slot of [task.slot(name), trigger.slot(name)]) {
          const loading = loadSlot(slot);
          if (loading) pending.push(loading);
        }
      }
      await Promise.all(pending);
    },
    task: task.get,
    tasks: task.defs,
    taskTypes: task.names,
    suggest: task.suggest,
    trigger: trigger.get,
    triggers: trigger.defs,
    triggerTypes: trigger.names,
    suggestTrigger: trigger.suggest,
    typeNames: () => typeNames,
  };
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
  const slot = <D extends AnyTaskDefinition | AnyTriggerDefinition>(def: D): Slot<D> => ({
    names: [def.type, ...def.aliases],
    def,
  });
  return registryOf(tasks.map(slot), triggers.map(slot));
}

/**
 * A registry that knows every type of `catalog` by name and loads a type's
 * module (and what it imports) only when {@link Registry.load} asks for it:
 * a device whose flows use five types keeps only those five in memory.
 *
 * @example
 * const registry = createLazyRegistry(builtinCatalog);
 * registry.task('log'); // undefined: not loaded
 * await registry.load(['log']);
 * registry.task('log')?.type; // 'log'
 */
export function createLazyRegistry(catalog: readonly CatalogEntry[]): Registry {
  const slots = (kind: CatalogEntry['kind']) =>
    catalog.filter((e) => e.kind === kind).map((e) => ({ names: e.names, load: e.load }));
  return registryOf(slots('task'), slots('trigger'));
}
