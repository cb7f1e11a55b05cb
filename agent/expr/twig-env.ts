/**
 * A private twig.js instance adapted to Pebble as Kestra runs it: only Pebble's tags, strict
 * own-property lookups that yield `Missing` instead of throwing, Pebble's operators, and our
 * filter/function/test tables in place of twig's (which include file access).
 */
import twig from 'twig';
import { EvalFailure, fail, Missing, toExpressionError } from './errors.js';
import { ABSORBS_MISSING, FILTERS } from './filters.js';
import { FUNCTIONS, type Runtime, TESTS } from './functions.js';
import { applyOperator } from './operators.js';
import type {
  Context,
  ExpressionDefinition,
  ParseState,
  Thenable,
  TwigInternals,
  TwigToken,
} from './twig-types.js';
import { isPlainObject, isTruthy, toText } from './values.js';

/** Where the per-render runtime (secret/KV access) sits in a context; symbols are out of reach of expressions. */
export const RUNTIME = Symbol('tern.expression.runtime');

/** A `name=value` argument on its way into a filter or function call. */
export class NamedArg {
  constructor(readonly name: string) {}
}

function createInstance(): TwigInternals {
  const fresh = (twig as unknown as { factory(): { extend(fn: (t: unknown) => void): void } }).factory();
  let internals: TwigInternals | undefined;
  fresh.extend((t) => {
    internals = t as TwigInternals;
  });
  if (!internals) throw new Error('twig.js did not expose its internals');
  return internals;
}

/** The adapted instance. Configured once at module load; never shared with other twig users. */
export const T = createInstance();
const TYPE = T.expression.type;
const H = T.expression.handler;
const stackTop = (stack: unknown[]): unknown => stack[stack.length - 1];

// --- Tags: Pebble's control flow only. include/extends/import/embed/macro would read files.
const KEPT_TAGS = new Set(
  ['if', 'elseif', 'else', 'endif', 'for', 'endfor', 'set'].map((n) => `Twig.logic.type.${n}`),
);
for (const type of Object.keys(T.logic.handler)) if (!KEPT_TAGS.has(type)) delete T.logic.handler[type];
export const SET_TAG = 'Twig.logic.type.set';
const setTag = T.logic.handler[SET_TAG]!;
const baseSetCompile = setTag.compile!;
setTag.compile = function (token) {
  const compiled = baseSetCompile.call(this, token);
  if (!/^[A-Za-z_]\w*$/.test(String(compiled.key)) || String(compiled.key).startsWith('__')) {
    throw new T.Error(`cannot set '${String(compiled.key)}'`);
  }
  return compiled;
};

// --- Tokenizer: `{{ {'a': {'b': 1}} }}` must not end at the first `}}`, so track braces and quotes.
const BRACED = new Set(
  ['output', 'outputWhitespacePre', 'outputWhitespacePost', 'outputWhitespaceBoth', 'logic'].map(
    (k) => T.token.type[k],
  ),
);
const baseFindEnd = T.token.findEnd;
T.token.findEnd = function (template, def, start) {
  if (!BRACED.has(def.type)) return baseFindEnd.call(this, template, def, start);
  let depth = 0;
  let quote = '';
  for (let i = 0; i < template.length; i++) {
    const ch = template.charAt(i);
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (depth === 0 && template.startsWith(def.close, i)) return i;
    else if (ch === '{') depth++;
    else if (ch === '}' && depth > 0) depth--;
  }
  throw new T.Error(`'${def.close}' is missing for the tag opened at position ${start}`);
};

// --- Expression syntax. `_context` would expose the whole context; `[a:b]` slices read it directly.
delete H[TYPE.context];
delete H[TYPE.slice];

const binaryDef = H[TYPE.operator.binary]!;
binaryDef.regex = new RegExp(`(?:${(binaryDef.regex as RegExp).source})|^contains(?=[\\s(\\['"{])`);
const baseLookup = T.expression.operator.lookup;
T.expression.operator.lookup = (operator, token) => {
  if (operator !== 'contains') return baseLookup(operator, token);
  token.precidence = 8;
  token.associativity = T.expression.operator.leftToRight;
  token.operator = operator;
  return token;
};
const baseOperator = T.expression.operator.parse;
T.expression.operator.parse = (operator, stack) => applyOperator(operator, stack, baseOperator);
T.lib.boolval = isTruthy;

// Pebble allows any spacing after `|` and `not(…)` without a space; twig does not.
H[TYPE.filter]!.regex = /^\|\s*([a-zA-Z_][a-zA-Z0-9_-]*)/;
H[TYPE.operator.unary]!.regex = /^not(?=[\s(])/;

// twig unescapes only the first escaped quote of a string literal; unescape them all.
const ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  r: '\r',
  t: '\t',
  '\\': '\\',
  "'": "'",
  '"': '"',
};
H[TYPE.string]!.compile = (token, _stack, output) => {
  const raw = String(token.value);
  token.value = raw.slice(1, -1).replace(/\\(.)/gs, (escape: string, ch: string) => ESCAPES[ch] ?? escape);
  delete token.match;
  output.push(token);
};

// twig accepts a dangling operator (`{{ 1 + }}` renders 1); Pebble rejects it, and so do we.
const DANGLING = new Set([TYPE.operator.binary, TYPE.operator.unary, TYPE.comma]);
const baseTokenize = T.expression.tokenize;
T.expression.tokenize = function (raw) {
  const tokens = baseTokenize.call(this, raw);
  if (tokens.length === 0) throw new T.Error('empty expression');
  const last = tokens[tokens.length - 1];
  if (last && DANGLING.has(last.type))
    throw new T.Error(`'${String(last.value).trim()}' at the end has nothing after it`);
  return tokens;
};

// Named arguments (`date('yyyy', timeZone='UTC')`): a marker token the call handlers pair with the value after it.
T.expression.extendType('namedArg');
export const NAMED_ARG = TYPE.namedArg as string;
const namedArgDef: ExpressionDefinition = {
  type: NAMED_ARG,
  regex: /^([a-zA-Z_]\w*)\s*=(?!=)/,
  next: T.expression.set.expressions,
  compile(token, _stack, output) {
    token.key = token.match?.[1];
    delete token.match;
    output.push(token);
  },
  parse(token, stack) {
    stack.push(new NamedArg(String(token.key)));
  },
};
H[TYPE.parameter.start]!.next.push(NAMED_ARG);
H[TYPE.comma]!.next.push(NAMED_ARG);
// Handlers are tried in insertion order; the named-argument pattern must win over variables and functions.
const ordered = Object.entries(H);
for (const [type] of ordered) delete H[type];
for (const [type, def] of ordered) {
  if (type === TYPE._function) H[NAMED_ARG] = namedArgDef;
  H[type] = def;
}

/** `base` as it reads in messages: `inputs`, `outputs.each`, or `…` when computed. */
function pathOf(base: string | undefined, key: unknown): string {
  const prefix = base ?? '…';
  return typeof key === 'number' || /^[A-Za-z_]\w*$/.test(String(key))
    ? typeof key === 'number'
      ? `${prefix}[${key}]`
      : `${prefix}.${String(key)}`
    : `${prefix}['${String(key)}']`;
}

/** Reads `key` of `target` as plain data: own properties of plain objects, in-range list items. */
export function member(target: unknown, key: unknown, base: string | undefined): unknown {
  if (target instanceof Missing) return target;
  if (key instanceof Missing) return key;
  const path = pathOf(base, key);
  if (target === null || target === undefined) return new Missing(path, `'${base ?? '…'}' is null`);
  if (Array.isArray(target)) {
    const index = typeof key === 'number' ? key : /^\d+$/.test(String(key)) ? Number(key) : Number.NaN;
    if (!Number.isInteger(index) || index < 0 || index >= target.length) {
      return new Missing(path, `'${base ?? '…'}' has ${target.length} items`);
    }
    return target[index] === undefined ? new Missing(path) : data(target[index], path);
  }
  if (isPlainObject(target) && (typeof key === 'string' || typeof key === 'number')) {
    const name = String(key);
    if (Object.hasOwn(target, name) && target[name] !== undefined) return data(target[name], path);
    return new Missing(path, undefined, Object.keys(target));
  }
  return new Missing(path, `'${base ?? '…'}' is ${toText(target) === '' ? 'empty' : 'not a map'}`);
}

/** Functions are never data: expressions can neither call nor pass them on. */
function data(value: unknown, path: string): unknown {
  return typeof value === 'function' ? new Missing(path, 'a function is not data') : value;
}

/** Source path of the value `prev` leaves on the stack, when it is a plain variable or key chain. */
function basePath(prev: TwigToken | undefined): string | undefined {
  if (!prev) return undefined;
  if (prev.type === TYPE.variable) return String(prev.value);
  return prev.path;
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

H[TYPE.variable]!.parse = (token, stack, context) => {
  const name = String(token.value);
  const value = Object.hasOwn(context, name) ? context[name] : undefined;
  if (value === undefined) {
    stack.push(new Missing(name, undefined, Object.keys(context)));
  } else if (typeof value === 'function') {
    stack.push(data(value, name));
  } else if (name === 'loop' && isPlainObject(value) && Object.hasOwn(value, 'index0')) {
    stack.push(pebbleLoop(value));
  } else {
    stack.push(value);
  }
};

const periodDef = H[TYPE.key.period]!;
const basePeriodCompile = periodDef.compile!;
periodDef.compile = (token, stack, output) => {
  const base = basePath(output[output.length - 1]);
  basePeriodCompile(token, stack, output);
  token.base = base;
  token.path = base === undefined ? undefined : `${base}.${String(token.key)}`;
};
periodDef.parse = (token, stack) => {
  stack.push(member(stack.pop(), token.key, token.base));
};

const bracketsDef = H[TYPE.key.brackets]!;
const baseBracketsCompile = bracketsDef.compile!;
bracketsDef.compile = (token, stack, output) => {
  const base = basePath(output[output.length - 1]);
  baseBracketsCompile(token, stack, output);
  token.base = base;
  const only = token.stack?.length === 1 ? token.stack[0] : undefined;
  const literal = only && (only.type === TYPE.string || only.type === TYPE.number);
  token.path = base !== undefined && literal ? pathOf(base, only.value) : undefined;
};
bracketsDef.parse = function (token, stack, context) {
  return T.expression.parseAsync.call(this, token.stack ?? [], context).then((key) => {
    stack.push(member(stack.pop(), key, token.base));
  });
};

/** Evaluates a call's parameter tokens into positional and named arguments. */
function callArgs(state: ParseState, params: TwigToken[] | undefined, context: Context): Thenable {
  const evaluated = params ? T.expression.parseAsync.call(state, params, context) : T.Promise.resolve([]);
  return evaluated.then((values) => {
    const args: unknown[] = [];
    const named: Record<string, unknown> = {};
    const list = values as unknown[];
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      if (item instanceof NamedArg) named[item.name] = list[++i];
      else args.push(item);
    }
    return { args, named };
  });
}

function firstMissing(args: unknown[], named: Record<string, unknown>): Missing | undefined {
  for (const v of args) if (v instanceof Missing) return v;
  for (const v of Object.values(named)) if (v instanceof Missing) return v;
  return undefined;
}

function runtimeOf(context: Context): Runtime {
  return (context[RUNTIME] as Runtime | undefined) ?? { fns: undefined, secrets: [] };
}

type Call = { args: unknown[]; named: Record<string, unknown> };

H[TYPE._function]!.parse = function (token, stack, context) {
  const name = String(token.fn);
  const fn = FUNCTIONS.get(name) ?? fail(`unknown function '${name}'`);
  return callArgs(this, token.params, context).then((call) => {
    const { args, named } = call as Call;
    stack.push(firstMissing(args, named) ?? fn(args, named, runtimeOf(context)));
  });
};

H[TYPE.filter]!.parse = function (token, stack, context) {
  const name = String(token.value);
  const filter = FILTERS.get(name) ?? fail(`unknown filter '${name}'`);
  const input = stack.pop();
  return callArgs(this, token.params, context).then((call) => {
    const { args, named } = call as Call;
    if (ABSORBS_MISSING.has(name)) stack.push(filter(input, args, named));
    else
      stack.push(
        input instanceof Missing ? input : (firstMissing(args, named) ?? filter(input, args, named)),
      );
  });
};

H[TYPE.test]!.parse = function (token, stack, context) {
  const name = String(token.filter);
  const value = stack.pop();
  const negate = token.modifier === 'not';
  return callArgs(this, token.params, context).then((call) => {
    const { args } = call as Call;
    if (name === 'defined') {
      stack.push((!(value instanceof Missing) && value !== null && value !== undefined) !== negate);
    } else if (value instanceof Missing) {
      stack.push(value);
    } else {
      const test = TESTS.get(name) ?? fail(`unknown test '${name}'`);
      stack.push(test(value, args) !== negate);
    }
  });
};

function isMarker(value: unknown, type: string): boolean {
  return typeof value === 'object' && value !== null && (value as TwigToken).type === type;
}

H[TYPE.array.end]!.parse = (_token, stack) => {
  const items: unknown[] = [];
  while (stack.length > 0 && !isMarker(stackTop(stack), TYPE.array.start)) items.push(stack.pop());
  if (stack.length === 0) fail('unexpected end of list');
  stack.pop();
  items.reverse();
  const missing = items.find((x) => x instanceof Missing);
  if (items.some((x) => x instanceof NamedArg)) fail("'=' is only allowed for named arguments of a call");
  stack.push(missing ?? items);
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
  if (poisoned) {
    stack.push(poisoned);
    return;
  }
  // defineProperty keeps a `__proto__` key as data instead of changing the map's prototype.
  const map: Record<string, unknown> = {};
  for (const [k, v] of entries.reverse())
    Object.defineProperty(map, k, { value: v, enumerable: true, writable: true, configurable: true });
  stack.push(map);
};

// --- Output: Pebble's rendering of values inside text.
T.output = (output) => {
  let text = '';
  for (const part of output) text += toText(part);
  return text;
};

// --- Evaluation entry point: the outermost call of each expression decides about missing values
// and names the expression in errors. Nested calls (arguments, keys, groups) pass values through.
const sources = new WeakMap<TwigToken[], string>();
let depth = 0;
const baseParseAsync = T.expression.parseAsync;
T.expression.parseAsync = function (tokens, context, asParameters) {
  if (depth > 0) return baseParseAsync.call(this, tokens, context, asParameters);
  const located = (error: unknown) => toExpressionError(error, sources.get(tokens) ?? '');
  let result: Thenable;
  depth++;
  try {
    result = baseParseAsync.call(this, tokens, context, asParameters);
  } catch (error) {
    throw located(error);
  } finally {
    depth--;
  }
  return result.then(
    (value) => {
      if (value instanceof Missing) throw located(value);
      if (value instanceof NamedArg) throw located(new EvalFailure(`'${value.name}=' outside a call`));
      return value === undefined ? null : value;
    },
    (error) => {
      throw located(error);
    },
  );
};

/**
 * Runs a render or evaluation as outermost, even when called from inside another one (a KV or
 * secret source that renders), so that its expressions are checked and named on their own.
 */
export function outermost<R>(run: () => R): R {
  const saved = depth;
  depth = 0;
  try {
    return run();
  } finally {
    depth = saved;
  }
}

/** Records the source text of an expression stack, for error messages. */
export function registerSource(stack: TwigToken[], source: string): void {
  sources.set(stack, source);
}
