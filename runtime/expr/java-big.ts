/** Java's `BigDecimal` and `BigInteger`, exact, with the arithmetic Pebble's `OperatorUtils` gives them. */
import { fail } from './errors.js';

/** `MathContext.DECIMAL128`: Pebble multiplies, divides and takes remainders of BigDecimals at 34 digits. */
const DECIMAL128_DIGITS = 34;

const TEN = 10n;
const pow10 = (n: number): bigint => TEN ** BigInt(n);
const digitCount = (n: bigint): number => (n < 0n ? -n : n).toString().length;

/**
 * A `java.math.BigDecimal`: `unscaled × 10^-scale`. The scale is part of the value as in Java, so `1.50`
 * stays `1.50` and `1.5 + 1.25` is `2.75`.
 *
 * @example JavaBigDecimal.parse('1.50')?.toString() // '1.50'
 */
export class JavaBigDecimal {
  constructor(
    readonly unscaled: bigint,
    readonly scale: number,
  ) {
    Object.freeze(this);
  }

  /** `new BigDecimal(text)`: an optional sign, digits with an optional point, an optional exponent. */
  static parse(text: string): JavaBigDecimal | undefined {
    const match = /^([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(text.trim());
    if (!match) return undefined;
    const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
    if (whole === '' && fraction === '') return undefined;
    const unscaled = BigInt(`${whole}${fraction}` || '0');
    return new JavaBigDecimal(sign === '-' ? -unscaled : unscaled, fraction.length - Number(exponent));
  }

  /** `BigDecimal.toString`: plain digits, or scientific notation when the scale is negative or the value tiny. */
  toString(): string {
    const negative = this.unscaled < 0n;
    const digits = (negative ? -this.unscaled : this.unscaled).toString();
    const sign = negative ? '-' : '';
    if (this.scale === 0) return sign + digits;
    const adjusted = digits.length - 1 - this.scale;
    if (this.scale > 0 && adjusted >= -6) {
      const point = digits.length - this.scale;
      return point > 0
        ? `${sign}${digits.slice(0, point)}.${digits.slice(point)}`
        : `${sign}0.${'0'.repeat(-point)}${digits}`;
    }
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mantissa}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
  }

  /** `doubleValue()`: the nearest double. */
  toNumber(): number {
    return Number(this.toString());
  }

  /** -1, 0 or 1, by value (`1.0` and `1.00` are equal, as `compareTo` has them). */
  compareTo(other: JavaBigDecimal): number {
    const scale = Math.max(this.scale, other.scale);
    const a = rescale(this, scale);
    const b = rescale(other, scale);
    return a < b ? -1 : a > b ? 1 : 0;
  }
}

/**
 * A `java.math.BigInteger`. Pebble has no arithmetic of its own for it: with a long it computes on
 * `longValue()`, with another BigInteger on `intValue()` (32 bits), as `OperatorUtils` falls through to ints.
 */
export class JavaBigInteger {
  constructor(readonly value: bigint) {
    Object.freeze(this);
  }
}

/** The unscaled value of `d` at a scale at least its own. */
function rescale(d: JavaBigDecimal, scale: number): bigint {
  return d.unscaled * pow10(scale - d.scale);
}

/** Rounds `value × 10^-scale` to `precision` digits, half to even; `sticky` says digits beyond `value` were dropped. */
function roundDigits(value: bigint, scale: number, precision: number, sticky = false): JavaBigDecimal {
  const drop = digitCount(value) - precision;
  if (drop <= 0) return new JavaBigDecimal(value, scale);
  const divisor = pow10(drop);
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  let kept = magnitude / divisor;
  const twice = (magnitude % divisor) * 2n;
  // Half to even: above half rounds up, and so does exactly half when digits beyond `value` were dropped.
  if (twice > divisor || (twice === divisor && (sticky || kept % 2n === 1n))) kept += 1n;
  // A carry may add a digit (999… → 1000…): drop one more, exactly.
  if (digitCount(kept) > precision)
    return new JavaBigDecimal((negative ? -kept : kept) / TEN, scale - drop - 1);
  return new JavaBigDecimal(negative ? -kept : kept, scale - drop);
}

/** The arithmetic operators Pebble applies to numbers. */
export type Operation = '+' | '-' | '*' | '/' | '%';

/** Pebble's `bigDecimalOperation`: add and subtract exactly, the rest at `MathContext.DECIMAL128`. */
export function decimalOperation(a: JavaBigDecimal, b: JavaBigDecimal, op: Operation): JavaBigDecimal {
  const scale = Math.max(a.scale, b.scale);
  switch (op) {
    case '+':
      return new JavaBigDecimal(rescale(a, scale) + rescale(b, scale), scale);
    case '-':
      return new JavaBigDecimal(rescale(a, scale) - rescale(b, scale), scale);
    case '*':
      return roundDigits(a.unscaled * b.unscaled, a.scale + b.scale, DECIMAL128_DIGITS);
    case '/':
      return divide(a, b);
    case '%':
      if (b.unscaled === 0n) return fail('division by zero');
      return new JavaBigDecimal(rescale(a, scale) % rescale(b, scale), scale);
  }
}

/**
 * `a.divide(b, DECIMAL128)`: the exact quotient at the scale nearest `a.scale - b.scale` when it has at
 * most 34 digits, else the quotient rounded to 34 digits.
 */
function divide(a: JavaBigDecimal, b: JavaBigDecimal): JavaBigDecimal {
  if (b.unscaled === 0n) return fail(a.unscaled === 0n ? 'division undefined' : 'division by zero');
  const preferred = a.scale - b.scale;
  // value = a.unscaled / b.unscaled × 10^-preferred; at scale preferred + k the unscaled quotient is a·10^k / b.
  for (let k = 0; ; k++) {
    const numerator = a.unscaled * pow10(k);
    const quotient = numerator / b.unscaled;
    if (digitCount(quotient) > DECIMAL128_DIGITS) break;
    if (numerator % b.unscaled === 0n) return new JavaBigDecimal(quotient, preferred + k);
  }
  const k = DECIMAL128_DIGITS + 2 + digitCount(b.unscaled) - digitCount(a.unscaled);
  const numerator = a.unscaled * pow10(Math.max(k, 0));
  const divisor = k < 0 ? b.unscaled * pow10(-k) : b.unscaled;
  return roundDigits(numerator / divisor, preferred + k, DECIMAL128_DIGITS, numerator % divisor !== 0n);
}

/** Java's `int` arithmetic on two BigIntegers' `intValue()`, widened to a long as Pebble returns it. */
export function intOperation(a: JavaBigInteger, b: JavaBigInteger, op: Operation): bigint {
  const x = BigInt.asIntN(32, a.value);
  const y = BigInt.asIntN(32, b.value);
  if ((op === '/' || op === '%') && y === 0n) return fail('division by zero');
  const result = op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : op === '/' ? x / y : x % y;
  return BigInt.asIntN(32, result);
}
