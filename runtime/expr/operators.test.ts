/** Operators, tests, syntax details and tags. */
import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../protocol/errors.js';
import { Renderer } from './index.js';

const r = new Renderer();
const vars = {
  inputs: { n: 5, s: 'abc', list: [1, 2, 3], map: { k: 'v' }, nothing: null, t: true, f: false },
};
const ev = (expression: string) => r.evaluate(expression, vars);

describe('operators', () => {
  it.each([
    ['inputs.n == 5', true],
    ['inputs.n != 5', false],
    ['inputs.n < 6', true],
    ['inputs.n <= 5', true],
    ['inputs.n > 5', false],
    ['inputs.n >= 5', true],
    ["'a' < 'b'", true],
    ['inputs.t and inputs.f', false],
    ['inputs.t or inputs.f', true],
    ['not inputs.f', true],
    ['inputs.n + 1', 6],
    ['inputs.n - 1', 4],
    ['inputs.n * 2', 10],
    ['inputs.n / 2', 2],
    ['inputs.n / 2.0', 2.5],
    ['inputs.n % 2', 1],
    ['-inputs.n + 1', -4],
    ["'a' ~ 1 ~ inputs.s", 'a1abc'],
    ["'a' + 'b'", 'ab'],
    ["inputs.t ? 'yes' : 'no'", 'yes'],
    ["inputs.f ?: 'fallback'", 'fallback'],
    ["inputs.nothing ?? 'x'", 'x'],
    ["inputs.s ?? 'x'", 'abc'],
    ['inputs.list contains 2', true],
    ['inputs.list contains 9', false],
    ['inputs.list contains [1, 3]', true],
    ["inputs.s contains 'b'", true],
    ["inputs.map contains 'k'", true],
    ["inputs.map contains 'z'", false],
    ['2 in inputs.list', true],
    ['inputs.s is null', false],
    ['inputs.nothing is null', true],
    ['inputs.nothing is not null', false],
    ['inputs.nothing is defined', false],
    ['inputs.n is defined', true],
    ['[] is empty', true],
    ['4 is even', true],
    ['[1, 2] == [1, 2]', true],
    ['[1, 2] == [2, 1]', false],
    ["{'a': 1} == {'a': 1}", true],
    ["1 == '1'", false],
    ['1..3', [1, 2, 3]],
    ['(1 + 2) * 3', 9],
    ['1 + 2 * 3', 7],
    ["true and (false or 'x' == 'x')", true],
  ])('%s evaluates to %j', (expression, expected) => {
    expect(ev(expression)).toEqual(expected);
  });

  it('reads numeric text as a number in arithmetic (Pebble 4), and rejects other text', () => {
    expect([ev("'10' - 2"), ev("'1.5' * 2")]).toEqual([8, 3]);
    expect(() => ev("'a' * 2")).toThrow(/'\*' cannot read a number from 'a'/);
    expect(() => ev('[1] * 2')).toThrow(/'\*' needs numbers/);
  });

  it('rejects division by zero', () => {
    expect(() => ev('inputs.n / 0')).toThrow(/division by zero/);
  });

  it('rejects comparing a number with text', () => {
    expect(() => ev("inputs.n < 'x'")).toThrow(ExpressionError);
  });

  it('rejects a dangling operator', () => {
    expect(() => ev('inputs.n +')).toThrow(ExpressionError);
  });
});

describe('syntax', () => {
  it('unescapes every escaped quote in a string literal', () => {
    expect(ev('"say \\"hi\\" twice \\"x\\""')).toBe('say "hi" twice "x"');
  });

  it('keeps backslashes that escape nothing', () => {
    expect(ev("'C:\\data\\d+'")).toBe('C:\\data\\d+');
  });

  it('allows any spacing around the filter bar', () => {
    expect(ev('inputs.s|upper ~ inputs.s |   upper')).toBe('ABCABC');
  });

  it('allows not directly followed by a parenthesis', () => {
    expect(ev('not(inputs.n > 3)')).toBe(false);
  });

  it('rejects an empty expression', () => {
    expect(() => r.render('{{ }}', vars)).toThrow(/empty expression/);
  });

  it('rejects a tag that is never closed', () => {
    expect(() => r.render('{{ inputs.n }', vars)).toThrow(/'}}' is missing/);
  });
});

describe('tags', () => {
  const render = (template: string) => r.render(template, vars);

  it('takes the first true branch of if/elseif/else', () => {
    const t = '{% if inputs.n > 9 %}big{% elseif inputs.n > 3 %}mid{% else %}small{% endif %}';
    expect(render(t)).toBe('mid');
  });

  it('takes the else branch when nothing matches', () => {
    expect(render('{% if inputs.f %}a{% else %}b{% endif %}')).toBe('b');
  });

  it('sees Kestra-style false strings as false in conditions', () => {
    expect(render("{% if 'false' %}a{% else %}b{% endif %}")).toBe('b');
  });

  it('loops over a list', () => {
    expect(render('{% for x in inputs.list %}[{{ x }}]{% endfor %}')).toBe('[1][2][3]');
  });

  it('counts loop.index from 0 as Pebble does', () => {
    expect(
      render('{% for x in inputs.list %}{{ loop.index }}{% if not loop.last %},{% endif %}{% endfor %}'),
    ).toBe('0,1,2');
  });

  it('loops over the keys and values of a map', () => {
    expect(render('{% for k, v in inputs.map %}{{ k }}={{ v }}{% endfor %}')).toBe('k=v');
  });

  it('renders the else of an empty loop', () => {
    expect(render('{% for x in [] %}x{% else %}none{% endfor %}')).toBe('none');
  });

  it('assigns with set', () => {
    expect(render('{% set y = inputs.n * 2 %}{{ y }}')).toBe('10');
  });

  it('keeps the newline after a tag, as Kestra configures Pebble (newLineTrimming false)', () => {
    expect(render('{% if inputs.t %}\nyes\n{% endif %}\nend')).toBe('\nyes\n\nend');
  });

  it('ignores comments', () => {
    expect(render('a{# note #}{{ inputs.s }}')).toBe('aabc');
  });

  it('keeps verbatim blocks as text', () => {
    expect(render('{% verbatim %}{{ not rendered }}{% endverbatim %}')).toBe('{{ not rendered }}');
  });
});
