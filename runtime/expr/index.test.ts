/** The renderer's contract: typed values, deep rendering, undefined variables, render-once, check, cache. */
import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../protocol/errors.js';
import { type ExpressionFunctions, isTemplate, isTruthy, Renderer } from './index.js';

const vars = {
  inputs: { name: 'Ada', flag: true, count: 5, list: [1, 2, 3], empty: '' },
  outputs: { inner: { b: { value: 7 } }, each: { 'a-b': { value: 'dash' } } },
  vars: { greeting: 'Hi' },
};

function errorOf(fn: () => unknown): ExpressionError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ExpressionError) return error;
    throw error;
  }
  throw new Error('expected an ExpressionError');
}

describe('Renderer.render', () => {
  const r = new Renderer();

  it('renders an expression inside text', () => {
    expect(r.render('Hello {{ inputs.name }}!', vars)).toBe('Hello Ada!');
  });

  it('returns strings without expressions untouched', () => {
    expect(r.render('plain {text}', vars)).toBe('plain {text}');
  });

  it('keeps the number type of a single expression', () => {
    expect(r.render('{{ 1 + 2 }}', vars)).toBe(3);
  });

  it('keeps the boolean type of a single expression', () => {
    expect(r.render('{{ inputs.flag }}', vars)).toBe(true);
  });

  it('keeps the list type of a single expression', () => {
    expect(r.render('{{ [1, 2] }}', vars)).toEqual([1, 2]);
  });

  it('keeps the map type of a single expression', () => {
    expect(r.render('{{ {"a": 1} }}', vars)).toEqual({ a: 1 });
  });

  it('returns null for a single expression that is null', () => {
    expect(r.render('{{ null }}', vars)).toBeNull();
  });

  it('keeps the type when whitespace surrounds a single expression', () => {
    expect(r.render('  {{ inputs.count }}\n', vars)).toBe(5);
  });

  it('renders lists and maps inside text as JSON', () => {
    expect(r.render('l={{ inputs.list }} m={{ outputs.inner.b }}', vars)).toBe('l=[1,2,3] m={"value":7}');
  });

  it('renders doubles as Java does (2.0 stays 2.0) and null as nothing', () => {
    expect(r.render('{{ 2.0 }}|{{ 1.5 }}|{{ null }}|', vars)).toBe('2.0|1.5||');
  });

  it('does not escape HTML or quotes', () => {
    expect(r.render(`echo "{{ '<a & b>' }}"`, vars)).toBe('echo "<a & b>"');
  });

  it('walks lists and maps, rendering each string', () => {
    const value = { cmd: ['echo {{ inputs.name }}', 42], nested: { n: '{{ inputs.count }}' }, keep: true };
    expect(r.render(value, vars)).toEqual({ cmd: ['echo Ada', 42], nested: { n: 5 }, keep: true });
  });

  it('renders object keys that contain expressions', () => {
    expect(r.render({ '{{ inputs.name }}_key': 1 }, vars)).toEqual({ Ada_key: 1 });
  });

  it('returns non-string scalars as they are', () => {
    expect(r.render(12, vars)).toBe(12);
  });

  it('returns a copy of lists so that callers cannot change the context', () => {
    const out = r.render('{{ inputs.list }}', vars) as number[];
    out.push(4);
    expect(vars.inputs.list).toHaveLength(3);
  });

  it('reads keys with brackets, including keys with dashes', () => {
    expect(r.render("{{ outputs.inner['b'].value }}-{{ outputs.each['a-b'].value }}", vars)).toBe('7-dash');
  });

  it('trims whitespace with {{- and -}}', () => {
    expect(r.render('a  {{- inputs.name -}}  b', vars)).toBe('aAdab');
  });

  it('parses map literals that end with nested braces', () => {
    expect(r.render("{{ {'a': {'b': 1}} }}", vars)).toEqual({ a: { b: 1 } });
  });

  it('does not let {% set %} in one string leak into the next', () => {
    const out = r.render({ a: '{% set x = 1 %}{{ x }}', b: '{{ x | default("none") }}' }, vars);
    expect(out).toEqual({ a: '1', b: 'none' });
  });

  it('does not change the variables passed in', () => {
    const mine = { inputs: { a: 1 } };
    r.render('{% set inputs = 2 %}{{ inputs }}', mine);
    expect(mine).toEqual({ inputs: { a: 1 } });
  });
});

describe('undefined variables', () => {
  const r = new Renderer();

  it('raise UNDEFINED_VARIABLE naming the variable and the expression', () => {
    const error = errorOf(() => r.render('{{ inputs.nmae }}', vars));
    expect(error.code).toBe('UNDEFINED_VARIABLE');
    expect(error.message).toContain("undefined variable 'inputs.nmae' in expression '{{ inputs.nmae }}'");
  });

  it('suggest the closest existing key', () => {
    expect(errorOf(() => r.render('{{ inputs.nmae }}', vars)).message).toContain(
      "did you mean 'inputs.name'?",
    );
  });

  it('name only the failing expression of a longer template', () => {
    const error = errorOf(() => r.render('ok {{ inputs.name }} then {{ vars.missing }} end', vars));
    expect(error.expression).toBe('{{ vars.missing }}');
  });

  it('name the first missing segment of a chain', () => {
    expect(errorOf(() => r.render('{{ outputs.task.value.x }}', vars)).message).toContain("'outputs.task'");
  });

  it('are an error in an if condition', () => {
    expect(errorOf(() => r.render('{% if nothing %}y{% endif %}', vars)).code).toBe('UNDEFINED_VARIABLE');
  });

  it('are an error for an index past the end of a list', () => {
    expect(errorOf(() => r.render('{{ inputs.list[3] }}', vars)).code).toBe('UNDEFINED_VARIABLE');
  });

  it('are absorbed by default', () => {
    expect(r.render("{{ inputs.missing | default('x') }}", vars)).toBe('x');
  });

  it('are absorbed by default at any depth of a chain', () => {
    expect(r.render('{{ outputs.a.b.c | default(1) }}', vars)).toBe(1);
  });

  it('are absorbed by ??', () => {
    expect(r.render("{{ missing ?? 'x' }}", vars)).toBe('x');
  });

  it('are absorbed by is defined', () => {
    expect(r.render('{{ inputs.x is defined }}/{{ inputs.x is not defined }}', vars)).toBe('false/true');
  });

  it('are skipped by a short-circuiting and', () => {
    expect(r.render('{{ inputs.x is defined and inputs.x > 3 }}', vars)).toBe(false);
  });

  it('are skipped by a short-circuiting or', () => {
    expect(r.render('{{ inputs.flag or inputs.x > 3 }}', vars)).toBe(true);
  });

  it('are skipped in the branch a ternary does not take', () => {
    expect(r.render("{{ inputs.x is defined ? inputs.x : 'none' }}", vars)).toBe('none');
  });
});

describe('render once', () => {
  it('never renders values that come from the context', () => {
    const calls: string[] = [];
    const fns: ExpressionFunctions = {
      secret: (name) => {
        calls.push(name);
        return 'hidden';
      },
      kv: () => undefined,
    };
    const out = new Renderer().render('{{ inputs.text }}', { inputs: { text: "{{ secret('X') }}" } }, fns);
    expect({ out, calls }).toEqual({ out: "{{ secret('X') }}", calls: [] });
  });

  it('never renders a secret value', () => {
    const fns: ExpressionFunctions = { secret: () => '{{ inputs.a }}', kv: () => undefined };
    expect(new Renderer().render("{{ secret('S') }}", { inputs: { a: 1 } }, fns)).toBe('{{ inputs.a }}');
  });
});

describe('Renderer.evaluate', () => {
  const r = new Renderer();

  it('evaluates a bare expression to its typed value', () => {
    expect(r.evaluate('inputs.count > 3', vars)).toBe(true);
  });

  it('accepts a single {{ }} expression', () => {
    expect(r.evaluate('{{ inputs.count * 2 }}', vars)).toBe(10);
  });

  it('reports undefined variables in a bare expression', () => {
    const error = errorOf(() => r.evaluate('inputs.nope == 1', vars));
    expect(error.message).toContain("undefined variable 'inputs.nope' in expression 'inputs.nope == 1'");
  });

  it('rejects an empty expression', () => {
    expect(errorOf(() => r.evaluate('  ', vars)).code).toBe('INVALID_EXPRESSION');
  });
});

describe('Renderer.check', () => {
  const r = new Renderer();

  it('accepts a valid template', () => {
    expect(r.check('{% if inputs.a %}{{ inputs.a | upper }}{% endif %}')).toBeUndefined();
  });

  it('reports a syntax error naming the expression', () => {
    expect(r.check('run {{ inputs.a + }}')).toMatch(/\{\{ inputs\.a \+ \}\}/);
  });

  it('reports an unclosed tag', () => {
    expect(r.check('{% if x %}never closed')).toMatch(/if/);
  });

  it('reports an unknown filter with a suggestion', () => {
    expect(r.check('{{ x | uper }}')).toBe(
      "unknown filter 'uper' in expression '{{ x | uper }}' (did you mean 'upper'?)",
    );
  });

  it('reports an unknown function', () => {
    expect(r.check('{{ nowz() }}')).toMatch(/unknown function 'nowz'/);
  });

  it('reports = used where == was meant', () => {
    expect(r.check('{{ a = 1 }}')).toMatch(/unexpected '='/);
  });
});

describe('syntax errors at render time', () => {
  it('throw INVALID_EXPRESSION naming the expression', () => {
    const error = errorOf(() => new Renderer().render('x {{ 1 + }}', {}));
    expect({ code: error.code, named: error.message.includes('{{ 1 + }}') }).toEqual({
      code: 'INVALID_EXPRESSION',
      named: true,
    });
  });
});

describe('cache', () => {
  it('keeps at most cacheSize templates and still renders evicted ones', () => {
    const r = new Renderer({ cacheSize: 2 });
    const rendered = ['{{ 1 }}', '{{ 2 }}', '{{ 3 }}', '{{ 1 }}'].map((t) => r.render(t, {}));
    expect(rendered).toEqual([1, 2, 3, 1]);
  });
});

describe('isTemplate', () => {
  it('detects {{ and {%', () => {
    expect([isTemplate('a {{ b }}'), isTemplate('{% if %}'), isTemplate('{ a }')]).toEqual([
      true,
      true,
      false,
    ]);
  });
});

describe('isTruthy', () => {
  it.each([
    [true, true],
    [false, false],
    ['true', true],
    ['FALSE', false],
    ['', false],
    ['0', false],
    ['yes', true],
    [0, false],
    [2, true],
    [null, false],
    [undefined, false],
    [[], false],
    [[0], true],
    [{}, false],
    [{ a: 1 }, true],
  ])('sees %j as %s', (value, expected) => {
    expect(isTruthy(value)).toBe(expected);
  });
});
