/** String filters as Java computes them; cases marked "Java" were printed by OpenJDK 17 running the same call. */
import { describe, expect, it } from 'vitest';
import {
  abbreviate,
  capitalize,
  endsWith,
  escapeChar,
  indent,
  nindent,
  replace,
  slugify,
  split,
  startsWith,
  substringAfter,
  substringAfterLast,
  substringBefore,
  substringBeforeLast,
  title,
  urldecode,
  urlencode,
} from './strings.js';

describe('urlencode and urldecode', () => {
  it('encodes as Java URLEncoder.encode(UTF-8) does (Java)', () => {
    expect(urlencode("a b*c~d-e_f.g!h'i(j)k@l/m?n=o&p+q%r é€")).toBe(
      'a+b*c%7Ed-e_f.g%21h%27i%28j%29k%40l%2Fm%3Fn%3Do%26p%2Bq%25r+%C3%A9%E2%82%AC',
    );
  });

  it('decodes as Java URLDecoder.decode(UTF-8) does (Java)', () => {
    expect(urldecode('a+b%2Bc%C3%A9')).toBe('a b+cé');
  });

  it('refuses a broken escape', () => {
    expect(() => urldecode('100%')).toThrow(/incomplete or invalid %-escape/);
  });
});

describe('slugify (Kestra Slugify, run in Java)', () => {
  it.each([
    ['Hello World! Ça va? __ok__ ', 'hello-world-ca-va-ok'],
    ['  -Kestra_Flow--Name- ', 'kestra-flow-name'],
  ])('%o gives %o', (input, expected) => {
    expect(slugify(input)).toBe(expected);
  });
});

describe('Pebble text filters (Pebble sources)', () => {
  it.each([
    ['this is a long sentence.', 7, 'this...'],
    ['short', 10, 'short'],
    ['abc', 2, 'abc'],
    ['abcdef', 2, 'ab'],
  ])('abbreviate(%o, %o) is %o', (input, length, expected) => {
    expect(abbreviate(input, length)).toBe(expected);
  });

  it('capitalize changes only the first non-blank character', () => {
    expect(capitalize('  article tITLE')).toBe('  Article tITLE');
  });

  it('title capitalizes each word and leaves the rest', () => {
    expect(title('article tITLE\tnext')).toBe('Article TITLE\tNext');
  });
});

describe('escapeChar (Kestra EscapeCharFilter)', () => {
  it.each([
    ['single', "L'été", "L\\'été"],
    ['double', 'say "hi"', 'say \\"hi\\"'],
    ['shell', "it's", "it'\\''s"],
    ['SHELL', "it's", "it'\\''s"],
  ])('%s escapes %o as %o', (type, input, expected) => {
    expect(escapeChar(input, type)).toBe(expected);
  });

  it('escapes every string of lists and maps, printing other leaves as Java does', () => {
    expect(escapeChar({ a: "x'y", b: [1, "'"] }, 'single')).toEqual({ a: "x\\'y", b: ['1', "\\'"] });
  });

  it('names the accepted types when the type is unknown', () => {
    expect(() => escapeChar('x', 'csv')).toThrow(/either 'single', 'double', or 'shell'/);
  });
});

describe('indent and nindent (Kestra AbstractIndent)', () => {
  it.each([
    [indent, 'a\nb\nc', 2, undefined, 'a\n  b\n  c'],
    [indent, 'a\r\nb', 1, '\t', 'a\r\n\tb'],
    [nindent, 'a\nb', 2, undefined, '\n  a\n  b'],
    [nindent, '', 2, undefined, ''],
  ])('%o(%o, %o, %o) is %o', (filter, input, amount, prefix, expected) => {
    expect(filter(input, amount, prefix)).toBe(expected);
  });

  it('refuses a negative amount', () => {
    expect(() => indent('a\nb', -1)).toThrow(/positive integer >=0/);
  });
});

describe('substrings (commons-lang StringUtils documentation)', () => {
  it.each([
    [substringBefore, 'abc', 'c', 'ab'],
    [substringBefore, 'abcba', 'b', 'a'],
    [substringBefore, 'abc', 'd', 'abc'],
    [substringBefore, 'abc', '', ''],
    [substringAfter, 'abcba', 'b', 'cba'],
    [substringAfter, 'abc', 'd', ''],
    [substringAfter, 'abc', '', 'abc'],
    [substringBeforeLast, 'abcba', 'b', 'abc'],
    [substringBeforeLast, 'abc', 'd', 'abc'],
    [substringBeforeLast, 'abc', '', 'abc'],
    [substringAfterLast, 'abcba', 'b', 'a'],
    [substringAfterLast, 'abc', 'c', ''],
    [substringAfterLast, 'abc', 'd', ''],
    [substringAfterLast, 'abc', '', ''],
  ])('%o(%o, %o) is %o', (filter, input, separator, expected) => {
    expect(filter(input, separator)).toBe(expected);
  });

  it('startsWith and endsWith compare text (Kestra StartsWithFilter)', () => {
    expect([startsWith('kestra.io', 'kestra'), endsWith('kestra.io', '.io'), startsWith(12, 1)]).toEqual([
      true,
      true,
      true,
    ]);
  });
});

describe('replace (Kestra ReplaceFilter)', () => {
  it.each([
    ['I like %this% and %that%.', { '%this%': 'foo', '%that%': 'bar' }, false, 'I like foo and bar.'],
    ['John Smith', { '(\\w+) (\\w+)': '$2, $1' }, true, 'Smith, John'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${name} is Java's named-group replacement
    ['2024-05-01', { '(?<y>\\d{4})-(?<m>\\d{2})-(?<d>\\d{2})': '${d}/${m}/${y}' }, true, '01/05/2024'],
    ['a.b', { '\\.': '\\$' }, true, 'a$b'],
    ['Hello', { '(?i)h': 'J' }, true, 'Jello'],
    ['abc', { '\\Ab': 'X' }, true, 'abc'],
    ['price 10', { '\\p{Digit}+': 'N' }, true, 'price N'],
    ['a1', { '(a)(1)': '$10' }, true, 'a0'],
  ])('%o with %o (regexp=%o) is %o (Java)', (input, pairs, regexp, expected) => {
    expect(replace(input, pairs, regexp)).toBe(expected);
  });

  it('replaces inside lists and maps', () => {
    expect(replace({ a: ['x-1'] }, { '-': '_' })).toEqual({ a: ['x_1'] });
  });

  it('refuses Java-only regex syntax it cannot translate', () => {
    expect(() => replace('aaa', { 'a*+': 'b' }, true)).toThrow(/possessive quantifiers/);
  });

  it('reports a bad group reference', () => {
    expect(() => replace('ab', { a: '$2' }, true)).toThrow(/no group 2/);
  });
});

describe('split (Java String.split, run in Java)', () => {
  it.each([
    ['a,b,,c,,', ',', undefined, ['a', 'b', '', 'c']],
    ['a1b2c3', '\\d', undefined, ['a', 'b', 'c']],
    ['abc', '', undefined, ['a', 'b', 'c']],
    [',,,', ',', undefined, []],
    ['', ',', undefined, ['']],
    ['one  two   three', '\\s+', undefined, ['one', 'two', 'three']],
    ['a.b.c', '.', undefined, []],
    ['a,b,c,d', ',', 2, ['a', 'b,c,d']],
    ['a,b,,', ',', -1, ['a', 'b', '', '']],
  ])('%o split by %o (limit %o) is %o', (input, delimiter, limit, expected) => {
    expect(split(input, delimiter, limit)).toEqual(expected);
  });
});
