/** Java DecimalFormat patterns for numberFormat, each case with the source of its expected value. */
import { describe, expect, it } from 'vitest';
import { formatNumber } from './number-format.js';

const PEBBLE_DOC = 'Pebble numberformat documentation (3.141592653 there)';
// Every expected value below was also printed by java.text.DecimalFormat (OpenJDK 17, Locale.US).
const JAVA_DOC = 'java.text.DecimalFormat';

describe('numberFormat', () => {
  it.each([
    [PEBBLE_DOC, 7.126, '#.##', '7.13'],
    [`${JAVA_DOC}: grouping and fixed decimals`, 1234.5678, '#,##0.00', '1,234.57'],
    [`${JAVA_DOC}: HALF_EVEN on an exact tie`, 0.125, '0.00', '0.12'],
    [`${JAVA_DOC}: HALF_EVEN on the binary value (0.135 is above the tie)`, 0.135, '0.00', '0.14'],
    [`${JAVA_DOC}: HALF_EVEN on the binary value (1.005 is below the tie)`, 1.005, '0.00', '1.00'],
    [`${JAVA_DOC}: HALF_EVEN to an even integer`, 2.5, '#', '2'],
    [`${JAVA_DOC}: HALF_EVEN to an even integer`, 3.5, '#', '4'],
    [`${JAVA_DOC}: #.## keeps one integer digit`, 0.456, '#.##', '0.46'],
    [`${JAVA_DOC}: .## keeps none`, 0.456, '.##', '.46'],
    [`${JAVA_DOC}: # alone prints a zero`, 0.5, '#', '0'],
    [`${JAVA_DOC}: negative zero keeps its sign`, -0, '0.0', '-0.0'],
    [`${JAVA_DOC}: scientific keeps minimum fraction digits`, 1.5, '0.00E0', '1.50E0'],
    [`${JAVA_DOC}: scientific rounds to maxInt + maxFrac digits`, 123.456, '0.0###E0', '1.2346E2'],
    [`${JAVA_DOC}: engineering small values`, 0.0001, '##0.##E0', '100E-6'],
    [`${JAVA_DOC}: large doubles print every digit`, 1e20, '#,##0', '100,000,000,000,000,000,000'],
    [`${JAVA_DOC}: a zero is printed rather than nothing`, 0, '#.##', '0'],
    [`${JAVA_DOC}: minimum integer digits`, 7, '000', '007'],
    [`${JAVA_DOC}: grouping size from the last comma`, 1234567, '#,###', '1,234,567'],
    [`${JAVA_DOC}: grouping size from the last comma`, 123456789, '#,####', '1,2345,6789'],
    [`${JAVA_DOC}: percent multiplies by 100`, 0.1234, '0.0%', '12.3%'],
    [`${JAVA_DOC}: per mille multiplies by 1000`, 0.1234, '0\u2030', '123\u2030'],
    [`${JAVA_DOC}: negative subpattern`, -3.5, '00.00;(00.00)', '(03.50)'],
    [`${JAVA_DOC}: implicit minus sign`, -1234.5, '#,##0.0', '-1,234.5'],
    [`${JAVA_DOC}: negative rounding to zero keeps its sign`, -0.4, '#', '-0'],
    [`${JAVA_DOC}: quoted literal`, 12, "'#'#", '#12'],
    [`${JAVA_DOC}: quoted quote`, 12, "# o''clock", "12 o'clock"],
    [`${JAVA_DOC}: decimal point always shown`, 12, '#.', '12.'],
    [`${JAVA_DOC}: longs are exact`, 9223372036854775807n, '#,##0', '9,223,372,036,854,775,807'],
    [`${JAVA_DOC}: scientific`, 1234, '0.###E0', '1.234E3'],
    [`${JAVA_DOC}: scientific with two integer digits`, 0.00123, '00.###E0', '12.3E-4'],
    [`${JAVA_DOC}: engineering notation`, 12345, '##0.#####E0', '12.345E3'],
    [`${JAVA_DOC}: engineering notation`, 123456, '##0.#####E0', '123.456E3'],
    [
      `${JAVA_DOC}: engineering significant digits (the javadoc's 12.3E3 is not what Java prints)`,
      12345,
      '##0.##E0',
      '12.345E3',
    ],
    [`${JAVA_DOC}: scientific zero`, 0, '0.###E0', '0E0'],
    [`${JAVA_DOC}: exponent digits`, 0.00001234, '0.00E00', '1.23E-05'],
    [
      'NumberFormat.getInstance(Locale.US) when no pattern is given',
      1234567.8916,
      undefined,
      '1,234,567.892',
    ],
  ])('%s: %o | numberFormat(%o) is %s', (_source, value, pattern, expected) => {
    expect(formatNumber(value, pattern)).toBe(expected);
  });

  it('gives null for null', () => {
    expect(formatNumber(null, '#')).toBeNull();
  });

  it.each([
    ['abc', '#', /the value must be a number, got string 'abc'/],
    [1, '#.#.#', /malformed pattern '#.#.#'/],
    [1, "'abc", /unterminated quote/],
    [1, 'abc', /has no digits/],
    [1, '0.0E', /malformed exponent/],
  ])('refuses %o with %o', (value, pattern, message) => {
    expect(() => formatNumber(value, pattern)).toThrow(message);
  });
});
