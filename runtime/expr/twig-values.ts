/**
 * How the adapted twig evaluates: strict own-property lookups that yield `Missing`, calls into our
 * filter/function/test tables (never twig's), Pebble's operators and Pebble's output of values.
 */
import { activeBudget } from './budget.js';
import { fail, Missing } from './errors.js';
import { ABSORBS_MISSING, FILTERS } from './filters.js';
import { FUNCTIONS, type Runtime, TESTS } from './functions.js';
import { applyOperator } from './operators.js';
import type { Context, ParseState, Thenable, TwigInternals, TwigToken } from './twig-types.js';
import { isPlainObject, isTruthy, toText } from './values.js';

/** Where the per-render runtime (secret/KV access) sits in a context; expressions cannot reach symbols. */
export const RUNTIME = Symbol('tern.expression.runtime');

/** A `name=value` argument on its way into a filter or function call. */
export class NamedArg {
  constructor(readonly name: string) {}
}

/** `base` and `key` as they read in messages: `inputs.name`, `list[0]`, `outputs.each['a-b']`. */
function pathOf(base: string | undefined, key: unknown): string {
  const prefix = base ?? '…';
  if (typeof key === 'number') return `${prefix}[${key}]`;
  return /^[A-Za-z_]\w*$/.test(String(key)) ? `${prefix}.${String(key)}` : `${prefix}['${String(key)}']`;
}

/** Functions are never data: expressions can neither call nor pass them on. */
function data(value: unknown, path: string): unknown {
  return typeof value === 'function' ? new Missing(path, 'a function is not data') : value;
}

/**
 * Reads `key` of `target` as plain data: own properties of plain objects, in-range list items.
 * The path for messages is only put together when the read fails: most reads succeed.
 */
export function member(target: unknown, key: unknown, base: string | undefined): unknown {
  if (target instanceof Missing) return target;
  if (key instanceof Missing) return key;
  const where = base ?? '…';
  if (target === null || target === undefined) return new Missing(pathOf(base, key), `'${where}' is null`);
  if (Array.isArray(target)) {
    const index = typeof key === 'number' ? key : /^\d+$/.test(String(key)) ? Number(key) : Number.NaN;
    if (!Number.isInteger(index) || index < 0 || index >= target.length) {
      return new Missing(pathOf(base, key), `'${where}' has ${target.length} items`);
    }
    const item = target[index];
    return item === undefined ? new Missing(pathOf(base, key)) : memberData(item, base, key);
  }
  if (isPlainObject(target) && (typeof key === 'string' || typeof key === 'number')) {
    const name = typeof key === 'string' ? key : String(key);
    const value = Object.hasOwn(target, name) ? target[name] : undefined;
    if (value !== undefined) return memberData(value, base, key);
    return new Missing(pathOf(base, key), undefined, Object.keys(target));
  }
  return new Missing(pathOf(base, key), `'${where}' is ${describeTarget(target)}`);
}

function memberData(value: unknown, base: string | undefined, key: unknown): unknown {
  return typeof value === 'function' ? data(value, pathOf(base, key)) : value;
}

function describeTarget(target: unknown): string {
  if (typeof target === 'string') return 'a string, not a map';
  return isPlainObject(target)
    ? 'a map'
    : `${typeof target === 'object' ? 'an object' : `a ${typeof target}`}, not a map`;
}

/** twig's `loop` counts from 1; Pebble's from 0. */
function pebbleLoop(loop: Record<string, unknown>): Record<string, unknown> {
  return {
    index: loop.index0,
    length: loop.length,
    first: loop.first,
    last: loop.last,
    revindex: loop.revindex0,
  };
}

type Call = { args: unknown[]; named: Record<string, unknown> };

function firstMissing({ args, named }: Call): Missing | undefined {
  for (const v of args) if (v instanceof Missing) return v;
  for (const v of Object.values(named)) if (v instanceof Missing) return v;
  return undefined;
}

function runtimeOf(context: Context): Runtime {
  return (context[RUNTIME] as Runtime | undefined) ?? { fns: undefined, secrets: [] };
}

function isMarker(value: unknown, type: string): boolean {
  return typeof value === 'object' && value !== null && (value as TwigToken).type === type;
}

/** Makes a fresh twig instance evaluate the Pebble way. */
export function adaptEvaluation(T: TwigInternals): void {
  const TYPE = T.expression.type;
  const H = T.expression.handler;

  T.expression.operator.parse = (
    (base) => (operator, stack) =>
      applyOperator(operator, stack, base)
  )(T.expression.operator.parse);
  T.lib.boolval = isTruthy;
  T.output = (output) => {
    let text = '';
    for (const part of output) text += toText(part);
    return text;
  };

  /** Source path of the value `prev` leaves on the stack, when it is a plain variable or key chain. */
  const basePath = (prev: TwigToken | undefined): string | undefined =>
    prev?.type === TYPE.variable ? String(prev.value) : prev?.path;

  /** Evaluates a call's parameter tokens into positional and named arguments. */
  const callArgs = (state: ParseState, params: TwigToken[] | undefined, context: Context): Thenable =>
    (params ? T.expression.parseAsync.call(state, params, context) : T.Promise.resolve([])).then((values) => {
      const call: Call = { args: [], named: {} };
      const list = values as unknown[];
      for (let i = 0; i < list.length; i++) {
        const item = list[i];
        if (item instanceof NamedArg) call.named[item.name] = list[++i];
        else call.args.push(item);
      }
      return call;
    });

  H[TYPE.variable]!.parse = (token, stack, context) => {
    const name = String(token.value);
    const value = Object.hasOwn(context, name) ? context[name] : undefined;
    if (value === undefined) stack.push(new Missing(name, undefined, Object.keys(context)));
    else if (name === 'loop' && isPlainObject(value) && Object.hasOwn(value, 'index0'))
      stack.push(pebbleLoop(value));
    else stack.push(data(value, name));
  };

  const period = H[TYPE.key.period]!;
  const basePeriodCompile = period.compile!;
  period.compile = (token, stack, output) => {
    const base = basePath(output[output.length - 1]);
    basePeriodCompile(token, stack, output);
    token.base = base;
    token.path = base === undefined ? undefined : `${base}.${String(token.key)}`;
  };
  period.parse = (token, stack) => {
    stack.push(member(stack.pop(), token.key, token.base));
  };

  const brackets = H[TYPE.key.brackets]!;
  const baseBracketsCompile = brackets.compile!;
  brackets.compile = (token, stack, output) => {
    const base = basePath(output[output.length - 1]);
    baseBracketsCompile(token, stack, output);
    token.base = base;
    const only = token.stack?.length === 1 ? token.stack[0] : undefined;
    const literal = only && (only.type === TYPE.string || only.type === TYPE.number);
    token.path = base !== undefined && literal ? pathOf(base, only.value) : undefined;
  };
  brackets.parse = function (token, stack, context) {
    return T.expression.parseAsync.call(this, token.stack ?? [], context).then((key) => {
      stack.push(member(stack.pop(), key, token.base));
    });
  };

  H[TYPE._function]!.parse = function (token, stack, context) {
    const name = String(token.fn);
    const fn = FUNCTIONS.get(name) ?? fail(`unknown function '${name}'`);
    return callArgs(this, token.params, context).then((call) => {
      const { args, named } = call as Call;
      const result = firstMissing(call as Call) ?? fn(args, named, runtimeOf(context));
      activeBudget()?.made(result);
      stack.push(result);
    });
  };

  H[TYPE.filter]!.parse = function (token, stack, context) {
    const name = String(token.value);
    const filter = FILTERS.get(name) ?? fail(`unknown filter '${name}'`);
    const input = stack.pop();
    return callArgs(this, token.params, context).then((call) => {
      const { args, named } = call as Call;
      const poisoned = ABSORBS_MISSING.has(name)
        ? undefined
        : input instanceof Missing
          ? input
          : firstMissing(call as Call);
      const result = poisoned ?? filter(input, args, named);
      activeBudget()?.made(result);
      stack.push(result);
    });
  };

  H[TYPE.test]!.parse = function (token, stack, context) {
    const name = String(token.filter);
    const value = stack.pop();
    const negate = token.modifier === 'not';
    return callArgs(this, token.params, context).then((call) => {
      if (name === 'defined') {
        stack.push((!(value instanceof Missing) && value !== null && value !== undefined) !== negate);
      } else if (value instanceof Missing) {
        stack.push(value);
      } else {
        const test = TESTS.get(name) ?? fail(`unknown test '${name}'`);
        stack.push(test(value, (call as Call).args) !== negate);
      }
    });
  };

  H[TYPE.array.end]!.parse = (_token, stack) => {
    const items: unknown[] = [];
    while (stack.length > 0 && !isMarker(stack[stack.length - 1], TYPE.array.start)) items.push(stack.pop());
    if (stack.length === 0) fail('unexpected end of list');
    stack.pop();
    items.reverse();
    if (items.some((x) => x instanceof NamedArg)) fail("'=' is only allowed for named arguments of a call");
    stack.push(items.find((x) => x instanceof Missing) ?? items);
  };

  H[TYPE.object.end]!.parse = (_token, stack) => {
    const entries: [string, unknown][] = [];
    let value: unknown;
    let hasValue = false;
    let poisoned: Missing | undefined;
    for (;;) {
      if (stack.length === 0) fail('unexpected end of map');
      const item = stack.pop();
      if (isMarker(item, TYPE.object.start)) break;
      const key = (item as TwigToken | undefined)?.key;
      if (isMarker(item, TYPE.operator.binary) && key !== undefined) {
        if (!hasValue) fail(`missing value for key '${toText(key)}'`);
        if (key instanceof Missing) poisoned ??= key;
        entries.push([toText(key), value]);
        hasValue = false;
      } else {
        if (item instanceof Missing) poisoned ??= item;
        value = item;
        hasValue = true;
      }
    }
    // defineProperty keeps a `__proto__` key as data instead of changing the map's prototype.
    const map: Record<string, unknown> = {};
    for (const [k, v] of entries.reverse()) {
      Object.defineProperty(map, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
    stack.push(poisoned ?? map);
  };
}
