/** Reading variables and keys as plain data only: own properties, in-range list items, never methods. */
import { Missing } from './errors.js';
import { describe, isPlainObject } from './values.js';

/**
 * A scope: variables set by the template (`set`, loop variables) as own properties, outer scopes
 * on the prototype chain, which ends at null; the render's variables under {@link VARS}, read
 * as own properties only, so that they need no copy.
 */
export type Frame = Record<string | symbol, unknown>;

/** Where a frame keeps the variables the render was given. */
export const VARS = Symbol('vars');

/**
 * Root frames are made by a constructor whose prototype has no prototype: V8 gives them a fixed
 * shape (an `Object.create(null)` object is a slower dictionary), and no name reaches
 * `Object.prototype` through them.
 */
const Root = function (this: Frame, vars: unknown, runtime: unknown, runtimeKey: symbol) {
  this[VARS] = vars;
  this[runtimeKey] = runtime;
} as unknown as new (
  vars: unknown,
  runtime: unknown,
  runtimeKey: symbol,
) => Frame;
Root.prototype = Object.create(null);

/** A root frame over `vars`. */
export function rootFrame(vars: Record<string, unknown>, runtime: unknown, runtimeKey: symbol): Frame {
  return new Root(vars, runtime, runtimeKey);
}

/** The value of variable `name`, or undefined: a template's own variables first, then the render's. */
export function lookup(frame: Frame, name: string): unknown {
  const value = frame[name];
  if (value !== undefined) return value;
  const vars = frame[VARS] as Record<string, unknown>;
  return Object.hasOwn(vars, name) ? vars[name] : undefined;
}

/** Every variable visible in `frame`, as one map: the render's, then the template's own. */
export function contextOf(frame: Frame): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const vars = frame[VARS] as Record<string, unknown>;
  for (const key of Object.keys(vars)) out[key] = vars[key];
  for (const key in frame) out[key] = frame[key];
  return out;
}

/** The path of `base[key]` as written: `inputs.name`, `items[0]`, `outputs['a-b']`. */
export function pathOf(base: string | undefined, key: unknown): string {
  const prefix = base ?? '…';
  if (typeof key === 'number') return `${prefix}[${key}]`;
  return /^[A-Za-z_]\w*$/.test(String(key)) ? `${prefix}.${String(key)}` : `${prefix}['${String(key)}']`;
}

/** Functions are never data: expressions can neither call nor pass them on. */
function data(value: unknown, path: () => string): unknown {
  return typeof value === 'function' ? new Missing(path(), 'a function is not data') : value;
}

/** A variable of `frame` or of a scope around it, or a {@link Missing} naming it. */
export function variable(frame: Frame, name: string): unknown {
  const value = lookup(frame, name);
  if (value === undefined) return new Missing(name, undefined, visibleNames(frame));
  return typeof value === 'function' ? data(value, () => name) : value;
}

function visibleNames(frame: Frame): string[] {
  const names: string[] = Object.keys(frame[VARS] as object);
  for (const key in frame) names.push(key);
  return names;
}

/**
 * Reads `key` of `target` as plain data: own properties of plain objects, in-range list items.
 * The path for messages is only put together when the read fails: most reads succeed.
 */
export function member(target: unknown, key: unknown, base: string | undefined): unknown {
  if (target instanceof Missing) return target;
  if (key instanceof Missing) return key;
  if (isPlainObject(target) && typeof key === 'string') {
    const value = Object.hasOwn(target, key) ? target[key] : undefined;
    if (value !== undefined)
      return typeof value === 'function' ? data(value, () => pathOf(base, key)) : value;
    return new Missing(pathOf(base, key), undefined, Object.keys(target));
  }
  const where = base ?? '…';
  if (target === null || target === undefined) return new Missing(pathOf(base, key), `'${where}' is null`);
  if (Array.isArray(target)) {
    const index = typeof key === 'number' ? key : /^\d+$/.test(String(key)) ? Number(key) : Number.NaN;
    if (!Number.isInteger(index) || index < 0 || index >= target.length)
      return new Missing(pathOf(base, key), `'${where}' has ${target.length} items`);
    const item = target[index];
    return item === undefined ? new Missing(pathOf(base, key)) : data(item, () => pathOf(base, key));
  }
  if (isPlainObject(target) && typeof key === 'number') return member(target, String(key), base);
  const what = typeof target === 'string' ? 'a string' : describe(target);
  return new Missing(pathOf(base, key), `'${where}' is ${what}, not a map`);
}
