/** Kestra's yaml filter and function; expected values from Kestra's YamlFilterTest and Jackson's YAML features. */
import { describe, expect, it } from 'vitest';
import { fromYaml, toYaml } from './yaml.js';

const KESTRA_TEST = 'Kestra YamlFilterTest';
const JACKSON = 'Jackson YAMLMapper as Kestra configures it (MINIMIZE_QUOTES, INDENT_ARRAYS, literal blocks)';

describe('yaml filter', () => {
  it.each([
    [KESTRA_TEST, 'string', 'string\n'],
    [KESTRA_TEST, 1, '1\n'],
    [KESTRA_TEST, 1.123, '1.123\n'],
    [KESTRA_TEST, ['string', 1, 1.123], ' - string\n - 1\n - 1.123\n'],
    [KESTRA_TEST, true, 'true\n'],
    [KESTRA_TEST, { string: 'string', int: 1, float: 1.123 }, 'string: string\nint: 1\nfloat: 1.123\n'],
    ['Kestra YamlFilter: null is the text null', null, 'null'],
    [`${JACKSON}: nested maps indent by two`, { a: { b: 'c' } }, 'a:\n  b: c\n'],
    [`${JACKSON}: lists under a key indent their dash by one`, { a: [1, 2] }, 'a:\n - 1\n - 2\n'],
    [`${JACKSON}: maps in lists`, [{ a: 1, b: 2 }], ' - a: 1\n   b: 2\n'],
    [`${JACKSON}: empty collections`, { m: {}, l: [] }, 'm: {}\nl: []\n'],
    [
      `${JACKSON}: multi-line text as a literal block`,
      { text: 'line1\nline2' },
      'text: |-\n  line1\n  line2\n',
    ],
    [
      `${JACKSON}: strings YAML would read as something else are quoted`,
      { num: '123', bool: 'yes', colon: 'a: b', empty: '', dash: '-x', hash: 'a #b', tab: 'a\tb' },
      'num: "123"\nbool: "yes"\ncolon: "a: b"\nempty: ""\ndash: "-x"\nhash: "a #b"\ntab: "a\\tb"\n',
    ],
    ['Java Double.toString for small and large decimals', [0.0001, 1.5e21], ' - 1.0E-4\n - 1.5E21\n'],
    ['64-bit integers exactly', 9223372036854775807n, '9223372036854775807\n'],
  ])('%s: %o', (_source, value, expected) => {
    expect(toYaml(value)).toBe(expected);
  });

  it('reads back what it writes', () => {
    const value = { list: ['a', { b: [1, [2, 3]] }], text: 'x\ny\n', quoted: 'on', deep: { e: {} } };
    expect(fromYaml(toYaml(value))).toEqual(value);
  });
});

describe('yaml function (Kestra YamlFunction)', () => {
  it('reads a document into plain values', () => {
    expect(fromYaml('a: 1\nb: [x, true, null]\nc: 1.5\nd: "2"')).toEqual({
      a: 1,
      b: ['x', true, null],
      c: 1.5,
      d: '2',
    });
  });

  it('keeps integers beyond 2^53 exact', () => {
    expect(fromYaml('id: 9223372036854775807')).toEqual({ id: 9223372036854775807n });
  });

  it('reports invalid yaml', () => {
    expect(() => fromYaml('a: [1, 2')).toThrow(/yaml: invalid yaml: /);
  });

  it('needs a string', () => {
    expect(() => fromYaml(42)).toThrow(/'yaml' argument must be a string/);
  });
});
