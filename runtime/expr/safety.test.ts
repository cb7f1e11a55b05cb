/** Expressions must not reach JavaScript globals, prototypes, functions or files. */
import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../protocol/errors.js';
import { Renderer } from './index.js';

const vars = { inputs: { x: 'text', n: 1, list: [1], map: { a: 1 } }, outputs: {} };

/** Renders and returns either the value or the ExpressionError; anything else thrown fails the test. */
function attempt(template: string): unknown {
  try {
    return new Renderer().render(template, vars);
  } catch (error) {
    if (error instanceof ExpressionError) return error;
    throw error;
  }
}

describe('expressions cannot reach JavaScript internals', () => {
  it.each([
    ['{{ inputs.constructor }}'],
    ["{{ inputs['__proto__'] }}"],
    ['{{ inputs.__proto__ }}'],
    ["{{ inputs.x.constructor.constructor('return process')() }}"],
    ["{{ inputs.x['constructor'] }}"],
    ['{{ inputs.list.constructor }}'],
    ['{{ inputs.map.hasOwnProperty }}'],
    ['{{ inputs.x.length }}'],
    ['{{ _context }}'],
    ['{{ process }}'],
    ['{{ process.env }}'],
    ['{{ globalThis }}'],
    ['{{ require }}'],
    ["{{ 'a'.toUpperCase() }}"],
    ['{{ inputs.x.toString() }}'],
    ["{{ inputs.map['toString']() }}"],
    ['{{ inputs.x | constructor }}'],
    ['{{ constructor() }}'],
    ['{{ toString() }}'],
    ['{{ inputs is constructor }}'],
    ["{% include '/etc/passwd' %}"],
    ["{{ source('/etc/passwd') }}"],
    ["{% import 'x' as y %}"],
    ["{{ include('/etc/hostname') }}"],
  ])('%s fails with an ExpressionError', (template) => {
    expect(attempt(template)).toBeInstanceOf(ExpressionError);
  });

  it('reads an own __proto__ key of parsed JSON as plain data', () => {
    const data = JSON.parse('{"__proto__": {"polluted": 1}}') as unknown;
    expect(new Renderer().render('{{ d.__proto__.polluted }}', { d: data })).toBe(1);
  });

  it('keeps a __proto__ key of a map literal as data', () => {
    const map = new Renderer().render("{{ {'__proto__': {'polluted': 1}} }}", {}) as Record<string, unknown>;
    expect(Object.getPrototypeOf(map)).toBe(Object.prototype);
  });

  it('does not pollute Object.prototype through set', () => {
    attempt('{% set __proto__ = 1 %}');
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
  });

  it('does not hand out functions found in the context', () => {
    expect(() => new Renderer().render('{{ data.run }}', { data: { run: () => 1 } })).toThrow(
      ExpressionError,
    );
  });

  it('never calls functions found in the context', () => {
    let called = false;
    const r = new Renderer();
    const run = () => {
      called = true;
      return 'ran';
    };
    try {
      r.render('{{ data.run() }}{{ data.run }}', { data: { run } });
    } catch {
      // Either outcome is fine as long as nothing ran.
    }
    expect(called).toBe(false);
  });

  it('bounds ranges so that a typo cannot exhaust memory', () => {
    expect(attempt('{{ 1..100000000 }}')).toBeInstanceOf(ExpressionError);
  });
});
