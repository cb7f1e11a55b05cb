/** Compiles expression trees into closures over a {@link Frame}, checking names once, up front. */
import { distance } from 'fastest-levenshtein';
import { type Frame, lookup, member, pathOf, variable } from './access.js';
import { type Args, type Expr, literalKey } from './ast.js';
import { fail, Missing, tolerance } from './errors.js';
import { FILTERS } from './filters.js';
import { FUNCTIONS } from './functions.js';
import { hashMapOrder } from './java-hash-order.js';
import { SyntaxFailure } from './lexer.js';
import { className } from './lib/java-values.js';
import type { Call, Runtime } from './library.js';
import { arithmetic } from './numbers.js';
import { add, compare, concatenate, contains, isIn, made, range, subtract } from './operators.js';
import { TESTS } from './tests.js';
import { deepEquals, isTruthy } from './values.js';

/** An expression compiled: its value in a frame, or a {@link Missing} for what does not exist. */
export type Eval = (frame: Frame) => unknown;

/** The per-render runtime, kept on the outermost frame under this key. */
export const RUNTIME = Symbol('runtime');

/** Macros and blocks of the template being compiled, resolved by name when called. */
export interface Definitions {
  macros: Map<string, (args: unknown[], named: Map<string, unknown>, frame: Frame) => string>;
  blocks: Map<string, (frame: Frame) => string>;
}

export function runtimeOf(frame: Frame): Runtime {
  return frame[RUNTIME] as Runtime;
}

function unknownName(kind: string, name: string, known: Iterable<string>): SyntaxFailure {
  let best: string | undefined;
  let bestDistance = tolerance(name) + 1;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return new SyntaxFailure(
    `unknown ${kind} '${name}'`,
    'INVALID_EXPRESSION',
    best ? `(did you mean '${best}'?)` : undefined,
  );
}

/** The source path an expression reads, when it is a variable or a chain of literal keys. */
function pathOfExpr(expr: Expr): string | undefined {
  if (expr.kind === 'variable') return expr.name;
  if (expr.kind !== 'attribute') return undefined;
  const base = pathOfExpr(expr.target);
  const key = literalKey(expr.key);
  return base === undefined || key === undefined ? undefined : pathOf(base, key);
}

/**
 * Lines a call's arguments up with `params`: positional ones first, named ones at their index.
 * An unknown name, or more arguments than parameters, is an error now rather than when it runs.
 */
function lineUp(args: Args, params: readonly string[], what: string, defs: Definitions): Eval[] {
  if (args.positional.length > params.length && params.length > 0)
    throw new SyntaxFailure(`${what} takes at most ${params.length} arguments (${params.join(', ')})`);
  const out: Eval[] = args.positional.map((a) => compileExpr(a, defs));
  for (const [name, value] of args.named) {
    const index = params.indexOf(name);
    if (index < 0)
      throw new SyntaxFailure(
        `unknown argument '${name}' for ${what}${params.length ? ` (it takes ${params.join(', ')})` : ' (it takes none)'}`,
      );
    if (out[index]) throw new SyntaxFailure(`argument '${name}' of ${what} is given twice`);
    out[index] = compileExpr(value, defs);
  }
  return out;
}

const ABSENT: Eval = () => undefined;

/** Evaluates lined-up arguments; the first missing one is returned instead of the list. */
function evalArgs(args: Eval[], frame: Frame): unknown[] | Missing {
  const values: unknown[] = new Array(args.length);
  for (let i = 0; i < args.length; i++) {
    const value = (args[i] ?? ABSENT)(frame);
    if (value instanceof Missing) return value;
    values[i] = value;
  }
  return values;
}

/**
 * The argument values of a call whose arguments are all literals (`default('eu')`, `now()`),
 * computed once when the template compiles instead of into a new list at every render; undefined
 * when an argument must be evaluated. Frozen: the values are shared by every render.
 */
function literalArgs(exprs: Expr[], args: Eval[]): unknown[] | undefined {
  if (!exprs.every((e) => e.kind === 'literal')) return undefined;
  return Object.freeze(evalArgs(args, LITERALS_ONLY)) as unknown[];
}

/** The frame literal arguments are evaluated in: a literal reads nothing from it. */
const LITERALS_ONLY: Frame = Object.freeze(Object.create(null));

/** Every argument expression of a call, positional and named. */
function argExprsOf(args: Args): Expr[] {
  return [...args.positional, ...args.named.map(([, e]) => e)];
}

function callOf(frame: Frame): Call {
  return { rt: runtimeOf(frame), frame };
}

/** Compiles `expr`; unknown filters, functions, tests and arguments throw {@link SyntaxFailure}. */
export function compileExpr(expr: Expr, defs: Definitions): Eval {
  switch (expr.kind) {
    case 'literal': {
      const value = expr.value;
      return () => value;
    }
    case 'variable': {
      const name = expr.name;
      return (frame) => {
        const value = lookup(frame, name);
        return value === undefined || typeof value === 'function' ? variable(frame, name) : value;
      };
    }
    case 'attribute':
      return compilePath(expr) ?? compileAttribute(expr.target, expr.key, defs);
    case 'list': {
      const items = expr.items.map((item) => compileExpr(item, defs));
      return (frame) => evalArgs(items, frame);
    }
    case 'map':
      return compileMap(expr.entries, defs);
    case 'concat': {
      const parts = expr.parts.map((part) => compileExpr(part, defs));
      return (frame) => {
        let text = '';
        for (const part of parts) {
          const value = part(frame);
          if (value instanceof Missing) return value;
          text = concatenate(text, value);
        }
        return text;
      };
    }
    case 'unary':
      return compileUnary(expr.operator, compileExpr(expr.operand, defs));
    case 'binary':
      return compileBinary(expr.operator, compileExpr(expr.left, defs), compileExpr(expr.right, defs));
    case 'ternary': {
      const [condition, then, otherwise] = [expr.condition, expr.then, expr.otherwise].map((e) =>
        compileExpr(e, defs),
      ) as [Eval, Eval, Eval];
      return (frame) => {
        const value = condition(frame);
        if (value instanceof Missing) return value;
        return isTruthy(value) ? then(frame) : otherwise(frame);
      };
    }
    case 'filter':
      if (
        expr.name === 'className' &&
        expr.input.kind === 'literal' &&
        typeof expr.input.value === 'number'
      ) {
        // Pebble parses a number written in the template as a Long, where data holds an Integer.
        const name = className(expr.input.value, true);
        return () => name;
      }
      return compileFilter(expr.name, compileExpr(expr.input, defs), expr.args, defs);
    case 'test':
      return compileTest(expr, defs);
    case 'call':
      return compileCall(expr.name, expr.args, defs);
  }
}

/** The variable and the keys of `a.b.c`: a variable read through names written in the source, or undefined. */
function namedPath(expr: Expr): { name: string; keys: string[]; bases: string[] } | undefined {
  if (expr.kind === 'variable') return { name: expr.name, keys: [], bases: [] };
  if (expr.kind !== 'attribute') return undefined;
  const key = literalKey(expr.key);
  const path = typeof key === 'string' ? namedPath(expr.target) : undefined;
  if (path === undefined || key === undefined) return undefined;
  path.bases.push(pathOfExpr(expr.target) as string);
  path.keys.push(key as string);
  return path;
}

/**
 * `outputs.read.value`, the most common expression, as one closure that walks the keys instead
 * of one closure per key: the same reads as {@link compileAttribute} makes, step by step.
 */
function compilePath(expr: Expr): Eval | undefined {
  const path = namedPath(expr);
  if (path === undefined) return undefined;
  const { name, keys, bases } = path;
  return (frame) => {
    let value = lookup(frame, name);
    if (value === undefined || typeof value === 'function') value = variable(frame, name);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const next = ownData(value, key);
      value = next === undefined ? member(value, key, bases[i]) : next;
    }
    return value;
  };
}

/** The value of own key `key` of a map, when it is there and is data; undefined for anything else. */
function ownData(object: unknown, key: string): unknown {
  if (object === null || typeof object !== 'object' || Array.isArray(object)) return undefined;
  const value = Object.hasOwn(object, key) ? (object as Record<string, unknown>)[key] : undefined;
  return value !== undefined && typeof value !== 'function' && isMapLike(object) ? value : undefined;
}

function compileAttribute(targetExpr: Expr, keyExpr: Expr, defs: Definitions): Eval {
  const target = compileExpr(targetExpr, defs);
  const base = pathOfExpr(targetExpr);
  const literal = literalKey(keyExpr);
  if (typeof literal === 'string') {
    return (frame) => {
      const object = target(frame);
      // The common case, an own key of a map, without the checks `member` makes.
      const value = ownData(object, literal);
      return value === undefined ? member(object, literal, base) : value;
    };
  }
  const key = compileExpr(keyExpr, defs);
  return (frame) => {
    const value = key(frame);
    return member(target(frame), typeof value === 'number' ? value : value, base);
  };
}

function isMapLike(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function compileMap(entries: [Expr, Expr][], defs: Definitions): Eval {
  const compiled = entries.map(([k, v]) => [compileExpr(k, defs), compileExpr(v, defs)] as const);
  return (frame) => {
    const keys: unknown[] = [];
    const values = new Map<string, unknown>();
    for (const [k, v] of compiled) {
      const key = k(frame);
      if (key instanceof Missing) return key;
      const value = v(frame);
      if (value instanceof Missing) return value;
      const text = concatenate('', key);
      if (!values.has(text)) keys.push(key);
      values.set(text, value);
    }
    // Pebble builds a HashMap: its keys come out in Java's hash order, which Kestra prints and loops in.
    const map: Record<string, unknown> = {};
    for (const index of hashMapOrder(keys)) {
      const text = concatenate('', keys[index]);
      // defineProperty keeps a `__proto__` key as data instead of changing the map's prototype.
      Object.defineProperty(map, text, {
        value: values.get(text),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return map;
  };
}

/**
 * A value used as a condition. Kestra runs Pebble with strict variables, where `if`, `not`, `and` and
 * `or` refuse a null (Pebble's LogicTest); other values by their truthiness.
 */
export function condition(value: unknown, where: string): boolean {
  if (value === null || value === undefined)
    return fail(
      `a null value cannot be a condition of ${where} (strict variables); test it with 'is null' or '??'`,
    );
  return isTruthy(value);
}

/**
 * `not`, `-` and `+`, each its own closure: the operator is decided here, not compared at every
 * render. (Node 20's optimizing compiler was seen, about once in 40 processes, to take the
 * arithmetic branch for `not` when one closure compared its operator at run time.)
 */
function compileUnary(operator: string, operand: Eval): Eval {
  if (operator === 'not')
    return (frame) => {
      const value = operand(frame);
      return value instanceof Missing ? value : !condition(value, "'not'");
    };
  const sign = operator === '-' ? -1 : 1;
  return (frame) => {
    const value = operand(frame);
    return value instanceof Missing ? value : arithmetic(sign, value, '*');
  };
}

const STRICT: Readonly<Record<string, (a: unknown, b: unknown) => unknown>> = {
  '==': deepEquals,
  equals: deepEquals,
  '!=': (a, b) => !deepEquals(a, b),
  '<': (a, b) => compare(a, b, '<'),
  '<=': (a, b) => compare(a, b, '<='),
  '>': (a, b) => compare(a, b, '>'),
  '>=': (a, b) => compare(a, b, '>='),
  '+': add,
  '-': subtract,
  '*': (a, b) => arithmetic(a, b, '*'),
  '/': (a, b) => arithmetic(a, b, '/'),
  '%': (a, b) => arithmetic(a, b, '%'),
  '~': concatenate,
  '..': (a, b) => range(a, b),
  contains,
  in: (a, b) => contains(b, a),
  'not in': (a, b) => !contains(b, a),
  isIn,
  isNotIn: (a, b) => !isIn(a, b),
};

function compileBinary(operator: string, left: Eval, right: Eval): Eval {
  switch (operator) {
    case 'and':
      return (frame) => {
        const a = left(frame);
        if (a instanceof Missing) return a;
        if (!condition(a, "'and'")) return false;
        const b = right(frame);
        return b instanceof Missing ? b : condition(b, "'and'");
      };
    case 'or':
      return (frame) => {
        const a = left(frame);
        if (a instanceof Missing) return a;
        if (condition(a, "'or'")) return true;
        const b = right(frame);
        return b instanceof Missing ? b : condition(b, "'or'");
      };
    case '??':
      return (frame) => {
        const a = left(frame);
        return a instanceof Missing || a === null || a === undefined ? right(frame) : a;
      };
    case '???':
      return (frame) => {
        const a = left(frame);
        return a instanceof Missing ? right(frame) : a;
      };
    case '?:':
      return (frame) => {
        const a = left(frame);
        if (a instanceof Missing) return a;
        return isTruthy(a) ? a : right(frame);
      };
  }
  const apply = STRICT[operator] ?? fail(`unknown operator '${operator}'`);
  return (frame) => {
    const a = left(frame);
    if (a instanceof Missing) return a;
    const b = right(frame);
    if (b instanceof Missing) return b;
    return apply(a, b);
  };
}

function compileFilter(name: string, input: Eval, argExprs: Args, defs: Definitions): Eval {
  const def = FILTERS.get(name);
  if (!def) throw unknownName('filter', name, FILTERS.keys());
  const args = lineUp(argExprs, def.params, `filter '${name}'`, defs);
  const fixed = literalArgs(argExprsOf(argExprs), args);
  const run = def.run;
  if (def.absorbsMissing)
    return (frame) => {
      const values = fixed ?? evalArgs(args, frame);
      return values instanceof Missing ? values : run(input(frame), values, frame);
    };
  return (frame) => {
    const value = input(frame);
    if (value instanceof Missing) return value;
    const values = fixed ?? evalArgs(args, frame);
    return values instanceof Missing ? values : made(run(value, values, frame));
  };
}

function compileTest(expr: Extract<Expr, { kind: 'test' }>, defs: Definitions): Eval {
  const input = compileExpr(expr.input, defs);
  const negated = expr.negated;
  if (expr.name === 'defined')
    return (frame) => {
      const value = input(frame);
      return !(value instanceof Missing || value === null || value === undefined) !== negated;
    };
  const def = TESTS.get(expr.name);
  if (!def) throw unknownName('test', expr.name, [...TESTS.keys(), 'defined']);
  const args = lineUp(expr.args, def.params, `test '${expr.name}'`, defs);
  const fixed = literalArgs(argExprsOf(expr.args), args);
  return (frame) => {
    const value = input(frame);
    if (value instanceof Missing) return value;
    const values = fixed ?? evalArgs(args, frame);
    return values instanceof Missing ? values : def.run(value, values) !== negated;
  };
}

function compileCall(name: string, argExprs: Args, defs: Definitions): Eval {
  if (name === 'block') {
    const which = argExprs.positional[0] ? compileExpr(argExprs.positional[0], defs) : ABSENT;
    return (frame) => {
      const block = defs.blocks.get(String(which(frame)));
      return block ? block(frame) : fail(`block '${String(which(frame))}' does not exist`);
    };
  }
  const def = FUNCTIONS.get(name);
  if (!def) return compileMacroCall(name, argExprs, defs);
  const args = def.variadic
    ? argExprs.positional.map((a) => compileExpr(a, defs))
    : lineUp(argExprs, def.params, `function '${name}'`, defs);
  if (def.variadic && argExprs.named.length > 0)
    throw new SyntaxFailure(`function '${name}' takes no named arguments`);
  const fixed = literalArgs(argExprsOf(argExprs), args);
  return (frame) => {
    const values = fixed ?? evalArgs(args, frame);
    return values instanceof Missing ? values : made(def.run(values, callOf(frame)));
  };
}

/** A call of a macro of this template, which may be defined further down: resolved when it runs. */
function compileMacroCall(name: string, argExprs: Args, defs: Definitions): Eval {
  const positional = argExprs.positional.map((a) => compileExpr(a, defs));
  const named = argExprs.named.map(([n, e]) => [n, compileExpr(e, defs)] as const);
  return (frame) => {
    const macro = defs.macros.get(name);
    if (!macro) throw unknownName('function', name, [...FUNCTIONS.keys(), ...defs.macros.keys()]);
    const values = evalArgs(positional, frame);
    if (values instanceof Missing) return values;
    const namedValues = new Map<string, unknown>();
    for (const [n, e] of named) {
      const value = e(frame);
      if (value instanceof Missing) return value;
      namedValues.set(n, value);
    }
    return macro(values, namedValues, frame);
  };
}

/** Checks, when the template compiles, that a call names a function or one of its macros. */
export function checkCalls(expr: Expr, defs: { macroNames: Set<string> }): void {
  const visit = (e: Expr): void => {
    switch (e.kind) {
      case 'call':
        if (e.name !== 'block' && !FUNCTIONS.has(e.name) && !defs.macroNames.has(e.name))
          throw unknownName('function', e.name, FUNCTIONS.keys());
        for (const a of e.args.positional) visit(a);
        for (const [, a] of e.args.named) visit(a);
        return;
      case 'attribute':
        visit(e.target);
        visit(e.key);
        return;
      case 'filter':
      case 'test':
        visit(e.input);
        for (const a of e.args.positional) visit(a);
        for (const [, a] of e.args.named) visit(a);
        return;
      case 'unary':
        visit(e.operand);
        return;
      case 'binary':
        visit(e.left);
        visit(e.right);
        return;
      case 'ternary':
        visit(e.condition);
        visit(e.then);
        visit(e.otherwise);
        return;
      case 'list':
        e.items.forEach(visit);
        return;
      case 'map':
        for (const [k, v] of e.entries) {
          visit(k);
          visit(v);
        }
        return;
      case 'concat':
        e.parts.forEach(visit);
        return;
      default:
        return;
    }
  };
  visit(expr);
}
