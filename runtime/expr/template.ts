/** Compiles parsed templates into closures: text, `{{ }}` and the tags, rendered under the budget. */
import { ExpressionError } from '../../protocol/errors.js';
import { type Frame, rootFrame } from './access.js';
import type { Expr, Node } from './ast.js';
import { activeBudget, RenderStopped } from './budget.js';
import { checkCalls, compileExpr, condition, type Definitions, type Eval, RUNTIME } from './compile-expr.js';
import { fail, Missing, shorten, toExpressionError } from './errors.js';
import { FILTERS } from './filters.js';
import { SyntaxFailure } from './lexer.js';
import { parseExpression, parseTemplate } from './parser.js';
import { isPlainObject, toText } from './values.js';

/** A node compiled: appends its text to `out` (an array joined once at the end). */
type Render = (frame: Frame, out: string[]) => void;

/** A parsed template (or bare expression), ready to render many times. */
export class Compiled {
  constructor(
    readonly source: string,
    private readonly body: Render | undefined,
    /** The expression when the source is exactly one `{{ … }}` (or a bare expression): it has a typed value. */
    readonly single: Eval | undefined,
    /** True when `{% set %}` can write into the context, which must then not be shared. */
    readonly writesContext: boolean,
  ) {}

  /** Renders to text. Throws `ExpressionError`. */
  render(frame: Frame): string {
    try {
      if (!this.body) return toText(settle(this.single?.(frame)));
      const out: string[] = [];
      this.body(frame, out);
      const text = out.length === 1 ? (out[0] as string) : out.join('');
      activeBudget()?.made(text);
      return text;
    } catch (error) {
      throw toExpressionError(error, shorten(this.source));
    }
  }

  /** Evaluates the single expression to its typed value. Throws `ExpressionError`. */
  evaluate(frame: Frame): unknown {
    if (!this.single) throw new Error('not a single expression');
    try {
      return settle(this.single(frame));
    } catch (error) {
      throw toExpressionError(error, shorten(this.source));
    }
  }
}

/** A missing value that reached the end of an expression is an error; undefined reads as null. */
function settle(value: unknown): unknown {
  if (value instanceof Missing) throw value;
  return value === undefined ? null : value;
}

function located(source: string, compile: () => Compiled): Compiled {
  try {
    return compile();
  } catch (error) {
    throw error instanceof ExpressionError ? error : toExpressionError(error, shorten(source));
  }
}

/** Compiles a template; a syntax error throws an `ExpressionError` naming it. */
export function compileTemplate(source: string): Compiled {
  return located(source, () => {
    const nodes = parseTemplate(source);
    const defs: Definitions = { macros: new Map(), blocks: new Map() };
    const macroNames = new Set<string>();
    collectMacros(nodes, macroNames);
    walkExpressions(nodes, (e) => checkCalls(e, { macroNames }));
    const single = singleExpression(nodes);
    const body = compileNodes(nodes, defs);
    return new Compiled(source, body, single ? compileExpr(single, defs) : undefined, writes(nodes));
  });
}

/** Compiles a bare expression, e.g. `inputs.x > 3`. */
export function compileExpression(source: string): Compiled {
  return located(source, () => {
    const expr = parseExpression(source);
    walkExpressions([{ kind: 'print', expr, source }], (e) => checkCalls(e, { macroNames: new Set() }));
    return new Compiled(
      source,
      undefined,
      compileExpr(expr, { macros: new Map(), blocks: new Map() }),
      false,
    );
  });
}

/** The expression of a template that is one `{{ … }}`, whitespace around it allowed. */
function singleExpression(nodes: Node[]): Expr | undefined {
  const prints = nodes.filter((n) => n.kind === 'print');
  const rest = nodes.filter((n) => n.kind !== 'print');
  if (prints.length !== 1 || rest.some((n) => n.kind !== 'text' || n.text.trim() !== '')) return undefined;
  return prints[0]?.kind === 'print' ? prints[0].expr : undefined;
}

function writes(nodes: Node[]): boolean {
  return nodes.some((n) => n.kind !== 'text' && n.kind !== 'print');
}

function collectMacros(nodes: Node[], names: Set<string>): void {
  for (const node of nodes) {
    if (node.kind === 'macro') names.add(node.name);
    for (const child of childBodies(node)) collectMacros(child, names);
  }
}

function childBodies(node: Node): Node[][] {
  switch (node.kind) {
    case 'if':
      return [...node.branches.map((b) => b.body), node.otherwise];
    case 'for':
      return [node.body, node.otherwise];
    case 'filterBlock':
    case 'macro':
    case 'block':
    case 'autoescape':
      return [node.body];
    default:
      return [];
  }
}

function walkExpressions(nodes: Node[], visit: (e: Expr) => void): void {
  for (const node of nodes) {
    if (node.kind === 'print' || node.kind === 'set') visit(node.expr);
    else if (node.kind === 'if') for (const b of node.branches) visit(b.condition);
    else if (node.kind === 'for') visit(node.iterable);
    for (const child of childBodies(node)) walkExpressions(child, visit);
  }
}

function compileNodes(nodes: Node[], defs: Definitions): Render {
  const parts = nodes.map((n) => compileNode(n, defs));
  if (parts.length === 1) return parts[0] as Render;
  return (frame, out) => {
    for (const part of parts) part(frame, out);
  };
}

/** Runs `value` to its end: a missing value is an error here. */
function required(value: unknown): unknown {
  if (value instanceof Missing) throw value;
  return value;
}

function compileNode(node: Node, defs: Definitions): Render {
  switch (node.kind) {
    case 'text': {
      const text = node.text;
      return (_frame, out) => {
        out.push(text);
      };
    }
    case 'print': {
      const [expr, source] = [compileExpr(node.expr, defs), node.source];
      return (frame, out) => {
        try {
          out.push(toText(required(expr(frame))));
        } catch (error) {
          // A failing `{{ … }}` is named on its own; a stopped render names the whole template.
          throw error instanceof RenderStopped ? error : toExpressionError(error, shorten(source));
        }
      };
    }
    case 'if': {
      const branches = node.branches.map(
        (b) => [compileExpr(b.condition, defs), compileNodes(b.body, defs)] as const,
      );
      const otherwise = compileNodes(node.otherwise, defs);
      return (frame, out) => {
        for (const [test, body] of branches)
          if (condition(required(test(frame)), "'if'")) return body(frame, out);
        otherwise(frame, out);
      };
    }
    case 'for':
      return compileFor(node, defs);
    case 'set': {
      const [name, expr] = [node.name, compileExpr(node.expr, defs)];
      if (name.startsWith('__')) throw new SyntaxFailure(`cannot set '${name}'`);
      return (frame) => {
        frame[name] = required(expr(frame));
      };
    }
    case 'filterBlock':
      return compileFilterBlock(node, defs);
    case 'macro': {
      const body = compileNodes(node.body, defs);
      const params = node.params.map((p) => ({
        name: p.name,
        fallback: p.fallback && compileExpr(p.fallback, defs),
      }));
      const names = params.map((p) => p.name);
      defs.macros.set(node.name, (args, named, caller) => {
        const frame = rootFrame({}, caller[RUNTIME], RUNTIME);
        for (const key of named.keys())
          if (!names.includes(key)) fail(`unknown argument '${key}' for macro '${node.name}'`);
        params.forEach((p, i) => {
          const value =
            i < args.length ? args[i] : named.has(p.name) ? named.get(p.name) : p.fallback?.(frame);
          frame[p.name] = value instanceof Missing ? required(value) : (value ?? null);
        });
        const out: string[] = [];
        body(frame, out);
        return out.join('');
      });
      return () => {};
    }
    case 'block': {
      const body = compileNodes(node.body, defs);
      const render = (frame: Frame) => {
        const out: string[] = [];
        body(frame, out);
        return out.join('');
      };
      defs.blocks.set(node.name, render);
      return (frame, out) => {
        out.push(render(frame));
      };
    }
    case 'autoescape':
      return compileNodes(node.body, defs);
  }
}

/** `{% for x in list %}`, `{% for entry in map %}` (entry.key, entry.value), `{% for k, v in map %}`. */
function compileFor(node: Extract<Node, { kind: 'for' }>, defs: Definitions): Render {
  const iterable = compileExpr(node.iterable, defs);
  const body = compileNodes(node.body, defs);
  const otherwise = compileNodes(node.otherwise, defs);
  const [first, second] = node.names as [string, string | undefined];
  return (frame, out) => {
    const items = iterate(required(iterable(frame)), second !== undefined);
    if (items.length === 0) return otherwise(frame, out);
    const budget = activeBudget();
    budget?.iterate(items.length);
    const inner: Frame = Object.create(frame);
    const length = items.length;
    for (let i = 0; i < length; i++) {
      budget?.step();
      const item = items[i];
      if (second === undefined) inner[first] = item;
      else [inner[first], inner[second]] = item as [unknown, unknown];
      inner.loop = { index: i, revindex: length - i - 1, first: i === 0, last: i === length - 1, length };
      const before = out.length;
      body(inner, out);
      if (budget && out.length - before > 0) budget.made(out[out.length - 1]);
    }
  };
}

function iterate(value: unknown, pairs: boolean): unknown[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return pairs ? value.map((v, i) => [i, v]) : value;
  if (isPlainObject(value))
    return Object.keys(value).map((key) => (pairs ? [key, value[key]] : { key, value: value[key] }));
  return fail(`cannot iterate over ${typeof value === 'string' ? 'a string' : typeof value}`);
}

function compileFilterBlock(node: Extract<Node, { kind: 'filterBlock' }>, defs: Definitions): Render {
  const body = compileNodes(node.body, defs);
  const chain = node.filters.map((f) =>
    compileExpr(
      { kind: 'filter', input: { kind: 'variable', name: '__body' }, name: f.name, args: f.args },
      defs,
    ),
  );
  for (const f of node.filters)
    if (!FILTERS.has(f.name)) throw new SyntaxFailure(`unknown filter '${f.name}'`);
  return (frame, out) => {
    const parts: string[] = [];
    body(frame, parts);
    let value: unknown = parts.join('');
    const inner: Frame = Object.create(frame);
    for (const f of chain) {
      inner.__body = value;
      value = required(f(inner));
    }
    out.push(toText(value));
  };
}
