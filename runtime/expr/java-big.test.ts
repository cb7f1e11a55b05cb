/** Java's BigDecimal as Pebble computes it: parsing, printing, DECIMAL128 rounding, comparison. */
import { describe, expect, it } from 'vitest';
import { decimalOperation, intOperation, JavaBigDecimal, JavaBigInteger } from './java-big.js';

const d = (text: string) => JavaBigDecimal.parse(text) as JavaBigDecimal;

describe('JavaBigDecimal', () => {
  it('prints as BigDecimal.toString: the scale kept, scientific notation for a negative scale or a tiny value', () => {
    expect(d('1.50').toString()).toBe('1.50');
    expect(d('-0.05').toString()).toBe('-0.05');
    expect(d('1e3').toString()).toBe('1E+3');
    expect(d('1.0E7').toString()).toBe('1.0E+7');
    expect(d('0.000001').toString()).toBe('0.000001');
    expect(d('0.0000001').toString()).toBe('1E-7');
    expect(d('12345e-10').toString()).toBe('0.0000012345');
  });

  it('reads only what new BigDecimal(text) reads', () => {
    expect(JavaBigDecimal.parse('abc')).toBeUndefined();
    expect(JavaBigDecimal.parse('.')).toBeUndefined();
    expect(JavaBigDecimal.parse('.5')?.toString()).toBe('0.5');
  });

  it('adds and subtracts exactly at the larger scale', () => {
    expect(decimalOperation(d('1.5'), d('1.25'), '+').toString()).toBe('2.75');
    expect(decimalOperation(d('1.5'), d('1.50'), '-').toString()).toBe('0.00');
  });

  it('multiplies and divides at 34 digits, half to even, carrying into a new digit', () => {
    expect(decimalOperation(d('1'), d('3'), '/').toString()).toBe('0.3333333333333333333333333333333333');
    expect(decimalOperation(d('2'), d('3'), '/').toString()).toBe('0.6666666666666666666666666666666667');
    expect(decimalOperation(d('6.0'), d('2.0'), '/').toString()).toBe('3');
    // 35 nines times 1 rounds up to 1 followed by zeros: the carry drops one more digit.
    expect(decimalOperation(d('9'.repeat(35)), d('1'), '*').toString()).toBe(
      '1.000000000000000000000000000000000E+35',
    );
    // Exactly half rounds to the even neighbour.
    expect(decimalOperation(d(`1${'0'.repeat(32)}25`), d('1'), '*').toString()).toBe(
      `1.${'0'.repeat(32)}2E+34`,
    );
  });

  it('takes the remainder with the dividend sign, and refuses a zero divisor', () => {
    expect(decimalOperation(d('-7.5'), d('2'), '%').toString()).toBe('-1.5');
    expect(() => decimalOperation(d('1'), d('0'), '/')).toThrow(/division by zero/);
    expect(() => decimalOperation(d('0'), d('0.0'), '/')).toThrow(/division undefined/);
  });

  it('compares by value whatever the scale', () => {
    expect(d('1.0').compareTo(d('1.00'))).toBe(0);
    expect(d('0.1').compareTo(d('0.09'))).toBe(1);
  });
});

describe('JavaBigInteger', () => {
  it('computes with another BigInteger on 32-bit ints, as Pebble falls through to intValue()', () => {
    const max = new JavaBigInteger(2147483647n);
    expect(intOperation(max, new JavaBigInteger(1n), '+')).toBe(-2147483648n);
    expect(() => intOperation(max, new JavaBigInteger(2n ** 32n), '/')).toThrow(/division by zero/);
  });
});
