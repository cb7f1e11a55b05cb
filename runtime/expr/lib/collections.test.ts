/** List filters: Kestra's chunk and flatten, Pebble's merge and rsort, and Java class names. */
import { describe, expect, it } from 'vitest';
import { chunk, flatten, merge, rsort } from './collections.js';
import { className } from './java-values.js';

describe('chunk (Kestra ChunkFilter: Guava Lists.partition)', () => {
  it('splits into sublists, the last shorter', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });

  it.each([
    ['abc', 2, /can only be applied to a list, got java.lang.String/],
    [[1], 'x', /'size' argument must be a number/],
    [[1], 0, /greater than 0/],
  ])('refuses %o with size %o', (value, size, message) => {
    expect(() => chunk(value, size)).toThrow(message);
  });
});

describe('flatten (Kestra FlattenFilter)', () => {
  it('splices one level of nested lists', () => {
    expect(flatten([1, [2, [3]], 4])).toEqual([1, 2, [3], 4]);
  });

  it('refuses a map', () => {
    expect(() => flatten({ a: 1 })).toThrow(/can only be applied to lists/);
  });
});

describe('merge (Pebble MergeFilter)', () => {
  it.each([
    [[1, 2], [3], [1, 2, 3]],
    [{ a: 1 }, { b: 2, a: 3 }, { a: 3, b: 2 }],
    [{ a: 1 }, ['x'], { a: 1, x: 'x' }],
    [[1], { k: 'v' }, [1, { k: 'v' }]],
    [null, [1], [1]],
  ])('%o merged with %o is %o', (value, items, expected) => {
    expect(merge(value, items)).toEqual(expected);
  });

  it('refuses a value that is neither a list nor a map', () => {
    expect(() => merge('abc', [1])).toThrow(/not a map or a list/);
  });
});

describe('rsort (Pebble RsortFilter: Java natural order, reversed)', () => {
  it.each([
    [
      [3, 1, 2],
      [3, 2, 1],
    ],
    [
      ['b', 'a', 'C'],
      ['b', 'a', 'C'],
    ],
    [
      [2n ** 63n - 1n, 1, 5],
      [2n ** 63n - 1n, 5, 1],
    ],
  ])('%o gives %o', (value, expected) => {
    expect(rsort(value)).toEqual(expected);
  });

  it('refuses mixed strings and numbers, as Java does', () => {
    expect(() => rsort([1, 'a'])).toThrow(/cannot compare/);
  });
});

describe('className (Kestra ClassNameFilter and JqFilterTest.typed)', () => {
  it.each([
    ['string', 'java.lang.String'],
    [1, 'java.lang.Integer'],
    [1.123, 'java.lang.Double'],
    [true, 'java.lang.Boolean'],
    [2 ** 40, 'java.lang.Long'],
    [9223372036854775807n, 'java.lang.Long'],
    [[1], 'java.util.ArrayList'],
    [{ a: 1 }, 'java.util.LinkedHashMap'],
    [null, null],
  ])('%o is %o', (value, expected) => {
    expect(className(value)).toBe(expected);
  });

  it('names a number literal of the template a Long, as Pebble parses it', () => {
    expect(className(1, true)).toBe('java.lang.Long');
  });
});
