/** Amazon Ion text for toIon/fromIon; expected values from Kestra's ToIonFilterTest and the Ion text specification. */
import { describe, expect, it } from 'vitest';
import { fromIon, toIon } from './ion.js';

const KESTRA_TEST = 'Kestra ToIonFilterTest';
const ION_SPEC = 'Amazon Ion text specification';

describe('toIon', () => {
  it.each([
    [KESTRA_TEST, 'string', '"string"'],
    [KESTRA_TEST, 1, '1'],
    [KESTRA_TEST, true, 'true'],
    [KESTRA_TEST, null, 'null'],
    [KESTRA_TEST, { empty_object: {} }, '{empty_object:{}}'],
    [`${KESTRA_TEST} (a double, where the test's float widens to 1.1230000257492065e0)`, 1.123, '1.123e0'],
    [KESTRA_TEST, ['string', 1, 2.5], '["string",1,2.5e0]'],
    [KESTRA_TEST, { int: 1, string: 'string' }, '{int:1,string:"string"}'],
    [
      `${ION_SPEC}: symbols that are not identifiers are quoted`,
      { 'my key': 1, null: 2 },
      "{'my key':1,'null':2}",
    ],
    [`${ION_SPEC}: floats use Java's digits`, [1e-4, 1.5e21], '[1.0e-4,1.5e21]'],
    [`${ION_SPEC}: 64-bit ints`, 9223372036854775807n, '9223372036854775807'],
  ])('%s: %o', (_source, value, expected) => {
    expect(toIon(value)).toBe(expected);
  });
});

describe('fromIon (Kestra FromIonFunction)', () => {
  it.each([
    [
      `${ION_SPEC}: struct with ints, strings, lists`,
      '{a:1, b:"x", c:[1, 2.5e0, 3.5, true]}',
      { a: 1, b: 'x', c: [1, 2.5, 3.5, true] },
    ],
    [`${ION_SPEC}: typed nulls`, '[null, null.int, null.struct]', [null, null, null]],
    [`${ION_SPEC}: symbols are text`, "{d:sym, 'e f':'quoted'}", { d: 'sym', 'e f': 'quoted' }],
    [
      `${ION_SPEC}: annotations are dropped`,
      'ZonedDateTime::"2013-09-08T16:19:00+02:00"',
      '2013-09-08T16:19:00+02:00',
    ],
    [`${ION_SPEC}: timestamps stay text`, '{t:2024-01-01T10:00:00.5Z}', { t: '2024-01-01T10:00:00.5Z' }],
    [`${ION_SPEC}: long strings concatenate`, "'''ab''' '''cd'''", 'abcd'],
    [`${ION_SPEC}: escapes`, '"a\\tb\\u00e9"', 'a\tbé'],
    [`${ION_SPEC}: hex, binary and underscores`, '[0x1F, 0b101, 1_000]', [31, 5, 1000]],
    [`${ION_SPEC}: decimals`, '[1.5d0, 12d-1, 0.5]', [1.5, 1.2, 0.5]],
    [`${ION_SPEC}: s-expressions`, '(+ 1 2)', ['+', 1, 2]],
    [`${ION_SPEC}: comments`, '/* c */ {x:1} // end', { x: 1 }],
    [`${ION_SPEC}: big ints stay exact`, '123456789012345678901', 123456789012345678901n],
  ])('%s', (_source, text, expected) => {
    expect(fromIon(text)).toEqual(expected);
  });

  it('reads the first value only, unless allRows is set', () => {
    expect(fromIon('{a:1}\n{a:2}')).toEqual({ a: 1 });
    expect(fromIon('{a:1}\n{a:2}', true)).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('reads back what toIon writes', () => {
    const value = { s: 'x"y', n: [1, 2.5, null], m: { 'a b': true } };
    expect(fromIon(toIon(value))).toEqual(value);
  });

  it.each([
    ['{a:1', /invalid ion at offset 4: expected ',' or '}'/],
    ['"open', /unterminated string/],
    ['{{aGVsbG8=}}', /blobs and clobs are not supported/],
  ])('refuses %o', (text, message) => {
    expect(() => fromIon(text)).toThrow(message);
  });

  it('gives null for null', () => {
    expect(fromIon(null)).toBeNull();
  });
});
