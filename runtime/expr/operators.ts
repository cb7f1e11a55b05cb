/**
 * Pebble's operators on values: arithmetic with Java's numbers (numbers.ts), `+` concatenating
 * when a side is a string and appending to a list, comparisons, `contains`, ranges.
 */
import { activeBudget } from './budget.js';
import { fail } from './errors.js';
import { arithmetic, compareNumbers, isNumber, type JavaNumber, toJsNumber } from './numbers.js';
import { deepEquals, describe, isPlainObject, toText } from './values.js';

/** Kestra's `isIn`: an item of a list, or a key or a value of a map. */
export function isIn(item: unknown, container: unknown): boolean {
  if (isPlainObject(container))
    return (
      Object.hasOwn(container, toText(item)) || Object.values(container).some((v) => deepEquals(v, item))
    );
  return contains(container, item);
}

/** Pebble's `contains`: element of a list (or all elements of a list), key of a map, substring. */
export function contains(container: unknown, item: unknown): boolean {
  if (container === null || container === undefined) return false;
  if (Array.isArray(container)) {
    const has = (x: unknown) => container.some((el) => deepEquals(el, x));
    return Array.isArray(item) ? item.every(has) : has(item);
  }
  if (isPlainObject(container)) return Object.hasOwn(container, toText(item));
  if (typeof container === 'string') return container.includes(toText(item));
  return fail(`contains needs a list, a map or a string on its left, got ${describe(container)}`);
}

const COMPARISON_NAMES: Readonly<Record<string, string>> = {
  '<': 'LESS_THAN',
  '<=': 'LESS_THAN_EQUALS',
  '>': 'GREATER_THAN',
  '>=': 'GREATER_THAN_EQUALS',
};

/** `<`, `<=`, `>`, `>=`: numbers by value, strings in order; false against null; an error otherwise. */
export function compare(a: unknown, b: unknown, op: string): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return false;
  let order: number;
  if (isNumber(a) && isNumber(b)) order = compareNumbers(a, b);
  else if (typeof a === 'string' && typeof b === 'string') order = a < b ? -1 : a > b ? 1 : 0;
  else return fail(`invalid operands for mathematical comparison [${COMPARISON_NAMES[op]}]`);
  return op === '<' ? order < 0 : op === '<=' ? order <= 0 : op === '>' ? order > 0 : order >= 0;
}

/** `+`: text when a side is a string, a longer list when the left is a list, else a number. */
export function add(a: unknown, b: unknown): unknown {
  if (typeof a === 'string' || typeof b === 'string') return made(toText(a) + toText(b));
  if (Array.isArray(a)) return made(Array.isArray(b) ? [...a, ...b] : [...a, b]);
  return arithmetic(a, b, '+');
}

/** `-`: a list without the right side's items, else a number. */
export function subtract(a: unknown, b: unknown): unknown {
  if (Array.isArray(a)) {
    const removed = Array.isArray(b) ? b : [b];
    return a.filter((x) => !removed.some((y) => deepEquals(x, y)));
  }
  return arithmetic(a, b, '-');
}

/** `~`: both sides as text. */
export function concatenate(a: unknown, b: unknown): string {
  return made(toText(a) + toText(b));
}

/** Upper bound on `range()` and `a..b`, so that a typo cannot allocate the machine away. */
export const MAX_RANGE = 100_000;

/** Pebble's `range(a, b, step)` and `a..b`: inclusive, over numbers or single characters. */
export function range(start: unknown, end: unknown, step: unknown = 1): unknown[] {
  if (typeof start === 'string' && typeof end === 'string' && start.length === 1 && end.length === 1) {
    const codes = range(start.charCodeAt(0), end.charCodeAt(0), step) as number[];
    return codes.map((c) => String.fromCharCode(c));
  }
  if (!isNumber(start) || !isNumber(end) || !isNumber(step)) return fail('range needs numbers');
  const [from, to, by] = [toJsNumber(start as JavaNumber), toJsNumber(end), toJsNumber(step)];
  if (by === 0) return fail('range step cannot be 0');
  const count = Math.floor((to - from) / by) + 1;
  if (count > MAX_RANGE) return fail(`range of ${count} items is larger than ${MAX_RANGE}`);
  if (count > 0) activeBudget()?.iterate(count);
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(from + i * by);
  return out;
}

/** Measures a text or list the render has built against its budget. */
export function made<T>(value: T): T {
  activeBudget()?.made(value);
  return value;
}
