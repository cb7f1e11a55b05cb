/**
 * Property-based fuzz of the expression renderer: for any template built from
 * Pebble's pieces (and stray braces and text), and any context, rendering
 * gives plain data or throws one of Tern's typed errors (an `ExpressionError`), never anything else, and
 * leaves the context as it was. Runs are bounded so the file takes seconds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TernError } from '../../protocol/errors.js';
import { isTemplate, Renderer } from '../../runtime/expr/index.js';
import { runs } from './runs.js';

const renderer = new Renderer();

const FILTERS = [
  'upper',
  'lower',
  'trim',
  'capitalize',
  'title',
  'default',
  'length',
  'first',
  'last',
  'keys',
  'values',
  'join',
  'split',
  'replace',
  'abs',
  'number',
  'round',
  'date',
  'dateAdd',
  'timestamp',
  'slugify',
  'json',
  'toJson',
  'fromJson',
  'sort',
  'reverse',
  'slice',
  'abbreviate',
  'urlencode',
  'base64encode',
  'base64decode',
  'sha256',
  'raw',
  'nope',
];
const FUNCTIONS = ['now', 'json', 'fromJson', 'uuid', 'range', 'max', 'min', 'secret', 'kv', 'nope'];
const OPERATORS = ['+', '-', '*', '/', '%', '~', '==', '!=', '<', '>=', 'and', 'or', '??', 'in', 'is', '..'];

/** Small literals keep ranges and repeats short: the property is about answers, not about budgets. */
const literal = fc.oneof(
  fc.integer({ min: -20, max: 20 }).map(String),
  fc.double({ noNaN: true, min: -1e6, max: 1e6 }).map(String),
  fc.string({ maxLength: 8 }).map((s) => `'${s.replaceAll("'", '')}'`),
  fc.constantFrom('true', 'false', 'null', '[]', '{}', "{'a': 1}", '[1, 2, 3]', "'2024-01-31T10:00:00Z'"),
);
const variable = fc.constantFrom(
  'inputs',
  'inputs.x',
  'inputs.list',
  'inputs.map.a',
  "inputs['x']",
  'inputs.list[0]',
  'inputs.list[-1]',
  'outputs',
  'outputs.t.value',
  'vars.v',
  'execution.id',
  'flow.namespace',
  'trigger',
  'missing',
  'missing.deeper',
  'inputs.x.length',
  'loop.index',
  'item',
  '_context',
  'inputs.__proto__',
);

const expression: fc.Arbitrary<string> = fc.letrec((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    literal,
    variable,
    fc.tuple(tie('expr'), fc.constantFrom(...OPERATORS), tie('expr')).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(tie('expr'), fc.constantFrom(...FILTERS)).map(([a, f]) => `${a} | ${f}`),
    fc.tuple(tie('expr'), fc.constantFrom(...FILTERS), tie('expr')).map(([a, f, b]) => `${a} | ${f}(${b})`),
    fc
      .tuple(fc.constantFrom(...FUNCTIONS), fc.array(tie('expr'), { maxLength: 3 }))
      .map(([f, args]) => `${f}(${args.join(', ')})`),
    fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([c, a, b]) => `${c} ? ${a} : ${b}`),
    fc.tuple(tie('expr'), tie('expr')).map(([a, k]) => `${a}[${k}]`),
    tie('expr').map((a) => `not ${a}`),
    tie('expr').map((a) => `(${a})`),
    tie('expr').map((a) => `${a} is defined`),
  ),
})).expr;

const text = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.constantFrom('{', '}', '{{', '}}', '{%', '%}', '{#', '#}', '\n', '\\', '"', "'"),
);
const piece = fc.oneof(
  text,
  expression.map((e) => `{{ ${e} }}`),
  fc.tuple(expression, text).map(([e, t]) => `{% if ${e} %}${t}{% else %}-{% endif %}`),
  fc.tuple(expression, text).map(([e, t]) => `{% for item in ${e} %}${t}{{ item }}{% endfor %}`),
  expression.map((e) => `{% set v = ${e} %}{{ v }}`),
  fc.constantFrom('{% raw %}{{ x }}{% endraw %}', '{# comment #}', '{% endif %}', '{% for %}', '{{ }}'),
);
const template = fc.array(piece, { minLength: 1, maxLength: 5 }).map((parts) => parts.join(''));

const context = fc.record({
  inputs: fc.record({
    x: fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.constant(null)),
    list: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 4 }),
    map: fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
  }),
  outputs: fc.dictionary(fc.constantFrom('t', 'u'), fc.record({ value: fc.jsonValue({ maxDepth: 2 }) })),
  vars: fc.dictionary(fc.constantFrom('v', 'w'), fc.jsonValue({ maxDepth: 2 })),
  execution: fc.record({ id: fc.string({ maxLength: 8 }) }),
  flow: fc.record({ namespace: fc.string({ maxLength: 8 }) }),
});

/**
 * Renders, returning the value or the typed error (an `ExpressionError`, or another `TernError` such
 * as a spent render budget); anything else thrown fails the property.
 */
function attempt(run: () => unknown): { value: unknown } | { error: TernError } {
  try {
    return { value: run() };
  } catch (error) {
    if (error instanceof TernError) return { error };
    throw error;
  }
}

/** Plain data only: what a task property or an output may hold. */
function expectPlainData(value: unknown, depth = 0): void {
  expect(depth).toBeLessThan(100);
  if (value === null || value === undefined) return;
  expect(['string', 'number', 'boolean', 'object']).toContain(typeof value);
  if (typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) expectPlainData(item, depth + 1);
    return;
  }
  expect([Object.prototype, null]).toContain(Object.getPrototypeOf(value));
  for (const item of Object.values(value)) expectPlainData(item, depth + 1);
}

describe('expression renderer fuzz', () => {
  it('renders any template to plain data or throws a typed error, and leaves the context unchanged', () => {
    fc.assert(
      fc.property(template, context, (t, ctx) => {
        const before = structuredClone(ctx);
        const outcome = attempt(() => renderer.render(t, ctx));
        if ('value' in outcome) expectPlainData(outcome.value);
        expect(ctx).toEqual(before);
      }),
      runs(600),
    );
  });

  it('evaluates any bare expression to plain data or throws a typed error', () => {
    fc.assert(
      fc.property(expression, context, (e, ctx) => {
        const outcome = attempt(() => renderer.evaluate(e, ctx));
        if ('value' in outcome) expectPlainData(outcome.value);
      }),
      runs(400),
    );
  });

  it('renders text around an expression to a string', () => {
    fc.assert(
      fc.property(template, context, (t, ctx) => {
        const outcome = attempt(() => renderer.render(`at ${t}`, ctx));
        if ('value' in outcome) expect(typeof outcome.value).toBe('string');
      }),
      runs(300),
    );
  });

  it('checks any template without throwing, and a template it refuses never renders', () => {
    fc.assert(
      fc.property(template, context, (t, ctx) => {
        const problem = renderer.check(t);
        if (problem === undefined) return;
        expect(typeof problem).toBe('string');
        expect(problem.length).toBeGreaterThan(0);
        expect('error' in attempt(() => renderer.render(t, ctx))).toBe(true);
      }),
      runs(400),
    );
  });

  it('returns text that holds no template as it is', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        fc.pre(!isTemplate(s));
        expect(renderer.render(s, {})).toBe(s);
      }),
      runs(200),
    );
  });

  it('renders lists and maps member by member, keeping their shape', () => {
    fc.assert(
      fc.property(fc.array(template, { maxLength: 4 }), context, (list, ctx) => {
        const asMap = Object.fromEntries(list.map((t, i) => [`k${i}`, t]));
        const outcome = attempt(() => renderer.render({ list, map: asMap }, ctx));
        if ('error' in outcome) return;
        const rendered = outcome.value as { list: unknown[]; map: Record<string, unknown> };
        expect(rendered.list).toHaveLength(list.length);
        expect(Object.keys(rendered.map)).toEqual(Object.keys(asMap));
      }),
      runs(200),
    );
  });
});
