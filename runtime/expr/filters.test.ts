/** Filters: Pebble and Kestra names and semantics, including `date`. */
import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../protocol/errors.js';
import { Renderer } from './index.js';

const r = new Renderer();
const vars = {
  inputs: {
    s: '  Hello World  ',
    word: 'hello there',
    list: [3, 1, 2],
    map: { a: 1, b: 2 },
    empty: '',
    blank: '   ',
    nothing: null,
    json: '{"a": [1, 2]}',
    when: '2024-05-01T10:15:30.250Z',
  },
};
const ev = (expression: string) => r.evaluate(expression, vars);

describe('filters', () => {
  it.each([
    ["'abc' | upper", 'ABC'],
    ["'ABC' | lower", 'abc'],
    ['inputs.s | trim', 'Hello World'],
    ['inputs.word | capitalize', 'Hello there'],
    ['inputs.word | title', 'Hello There'],
    ["inputs.nothing | default('d')", 'd'],
    ["inputs.empty | default('d')", 'd'],
    ["inputs.blank | default('d')", 'd'],
    ["[] | default('d')", 'd'],
    ["inputs.word | default('d')", 'hello there'],
    ['inputs.missing | default(null)', null],
    ["inputs.missing | default('d')", 'd'],
    ["'héllo' | length", 5],
    ['inputs.list | length', 3],
    ['inputs.map | length', 2],
    ['inputs.list | first', 3],
    ['inputs.list | last', 2],
    ["'xyz' | first", 'x'],
    ['inputs.map | keys', ['a', 'b']],
    ['inputs.map | values', [1, 2]],
    ["inputs.list | join(', ')", '3, 1, 2'],
    ["'a,b,c' | split(',')", ['a', 'b', 'c']],
    ["'a,b,c' | split(',', 2)", ['a', 'b,c']],
    ["'a-b-c' | replace({'-': '_'})", 'a_b_c'],
    ["'a-b' | replace({'a': '$&', 'b': 'x'})", '$&-x'],
    ["'2024-05' | replace({'-': '/'})", '2024/05'],
    ['-3 | abs', 3],
    ["'42' | number", 42],
    ["' 2.5 ' | number", 2.5],
    ['3.14159 | round(2)', 3.14],
    ['1.005 | round(2)', 1.01],
    ['2.5 | round', 3],
    ["'Élan vital: 100%!' | slugify", 'elan-vital-100'],
    ['inputs.map | json', '{"a":1,"b":2}'],
    ['inputs.map | toJson', '{"a":1,"b":2}'],
    ["'x' | toJson", '"x"'],
    ['inputs.json | fromJson', { a: [1, 2] }],
    ['(inputs.json | fromJson).a[1]', 2],
    ['inputs.list | sort', [1, 2, 3]],
    ['inputs.list | reverse', [2, 1, 3]],
    ['inputs.list | slice(1, 2)', [1]],
    ["'a b&c' | urlencode", 'a+b%26c'],
    ["'hi' | base64encode", 'aGk='],
    ["'aGk=' | base64decode", 'hi'],
    ["'abcdefghij' | abbreviate(6)", 'abc...'],
  ])('%s gives %j', (expression, expected) => {
    expect(ev(expression)).toEqual(expected);
  });

  it('fails number on text that is not a number', () => {
    expect(() => ev("'12abc' | number")).toThrow(/number cannot read a number from '12abc'/);
  });

  it('fails number with INT on a decimal', () => {
    expect(() => ev("'1.5' | number('INT')")).toThrow(ExpressionError);
  });

  it('fails fromJson on invalid JSON, naming the expression', () => {
    expect(() => ev("'{oops' | fromJson")).toThrow(/invalid JSON .* in expression/);
  });

  it('fails replace without a map, as Kestra does for replace(from, to)', () => {
    expect(() => ev("'a' | replace(1)")).toThrow(/'replace_pairs' is required and must be a map/);
    expect(() => ev("'2024-05' | replace('-', '/')")).toThrow(/must be a map/);
  });

  it('passes a missing input on, so that the error names the variable', () => {
    expect(() => ev('inputs.missing | upper')).toThrow(/undefined variable 'inputs.missing'/);
  });
});

describe('date filter', () => {
  it('formats with a Java pattern', () => {
    expect(ev("inputs.when | date('yyyy-MM-dd HH:mm:ss.SSS')")).toBe('2024-05-01 10:15:30.250');
  });

  it('converts to timeZone given as a named argument', () => {
    expect(ev("inputs.when | date('HH:mm XXX', timeZone='Asia/Kolkata')")).toBe('15:45 +05:30');
  });

  it('reads an integer as epoch seconds, as Kestra does', () => {
    expect(ev("1714558530 | date('yyyy-MM-dd HH:mm:ss')")).toBe('2024-05-01 10:15:30');
  });

  it("uses Kestra's iso format, with microseconds, when given no pattern", () => {
    expect(ev('inputs.when | date')).toBe('2024-05-01T10:15:30.250000Z');
  });

  it('accepts the output of now()', () => {
    const before = new Date().toISOString().slice(0, 10);
    const out = ev("now() | date('yyyy-MM-dd')");
    const after = new Date().toISOString().slice(0, 10);
    expect([before, after]).toContain(out);
  });

  it('fails on text that is not a date', () => {
    expect(() => ev("'soon' | date('yyyy')")).toThrow(/date: cannot parse 'soon'/);
  });

  it('fails on an unknown time zone', () => {
    expect(() => ev("inputs.when | date('yyyy', timeZone='Mars/Olympus')")).toThrow(
      /unknown timeZone 'Mars\/Olympus'/,
    );
  });

  it('adds to a date with dateAdd', () => {
    expect(ev("inputs.when | dateAdd(-1, 'DAYS') | date('yyyy-MM-dd')")).toBe('2024-04-30');
  });

  it('gives epoch seconds with timestamp', () => {
    expect(ev('inputs.when | timestamp')).toBe(1714558530);
  });
});
