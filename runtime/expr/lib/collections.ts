/** Kestra's and Pebble's list filters: chunk, flatten, merge and rsort, with Java's ordering. */
import { className } from './java-values.js';

/** Pebble: `list | chunk(size)` — consecutive sublists of `size` items, the last possibly shorter (Guava `Lists.partition`). */
export function chunk(value: unknown, size: unknown): unknown[][] | null {
  if (value === null || value === undefined) return null;
  if (!Array.isArray(value))
    throw new Error(`chunk: the filter can only be applied to a list, got ${className(value)}`);
  const n = typeof size === 'bigint' ? Number(size) : size;
  if (typeof n !== 'number' || !Number.isFinite(n))
    throw new Error(`chunk: the 'size' argument must be a number, got ${className(size) ?? 'null'}`);
  const step = Math.trunc(n);
  if (step <= 0) throw new Error(`chunk: the 'size' argument must be greater than 0, got ${step}`);
  const chunks: unknown[][] = [];
  for (let i = 0; i < value.length; i += step) chunks.push(value.slice(i, i + step));
  return chunks;
}

/** Pebble: `list | flatten` — one level of nested lists spliced into the list. */
export function flatten(value: unknown): unknown[] | null {
  if (value === null || value === undefined) return null;
  if (!Array.isArray(value)) throw new Error("flatten: the 'flatten' filter can only be applied to lists");
  return value.flatMap((item) => (Array.isArray(item) ? item : [item]));
}

/**
 * Pebble: `value | merge(items)` — the left side decides the result: a map gets the entries of a map (or
 * each item of a list as its own key), a list gets the items of a list (or the entries of a map).
 */
export function merge(value: unknown, items: unknown): unknown {
  if (value === null || value === undefined) {
    if (items === null || items === undefined)
      throw new Error('merge: the two arguments to be merged are null');
    return items;
  }
  if (items === null || items === undefined) return value;
  if (Array.isArray(value)) {
    if (Array.isArray(items)) return [...value, ...items];
    if (isMap(items)) return [...value, ...Object.entries(items).map(([k, v]) => ({ [k]: v }))];
    throw new Error(`merge: only maps and lists can be merged with a list, got ${className(items)}`);
  }
  if (isMap(value)) {
    if (isMap(items)) return { ...value, ...items };
    if (Array.isArray(items)) return { ...value, ...Object.fromEntries(items.map((o) => [String(o), o])) };
    throw new Error(`merge: only maps and lists can be merged with a map, got ${className(items)}`);
  }
  throw new Error(`merge: the value being filtered is not a map or a list, got ${className(value)}`);
}

/** Pebble: `list | rsort` — sorted in descending natural order; numbers and strings cannot be mixed, as in Java. */
export function rsort(value: unknown): unknown[] | null {
  if (value === null || value === undefined) return null;
  if (!Array.isArray(value))
    throw new Error(`rsort: the filter can only be applied to a list, got ${className(value)}`);
  return [...value].sort((a, b) => compareJava(b, a));
}

/** Java's natural ordering for comparable template values; anything else is a ClassCastException in Java. */
export function compareJava(a: unknown, b: unknown): number {
  const numeric = (v: unknown) => typeof v === 'number' || typeof v === 'bigint';
  if (numeric(a) && numeric(b)) return a! < b! ? -1 : a! > b! ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  throw new Error(`cannot compare ${className(a) ?? 'null'} with ${className(b) ?? 'null'}`);
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
