/** Java number semantics for expressions: longs and doubles stay distinct, as Pebble computes them. */
import { fail } from './errors.js';
import {
  decimalOperation,
  intOperation,
  JavaBigDecimal,
  JavaBigInteger,
  type Operation,
} from './java-big.js';

export { JavaBigDecimal, JavaBigInteger } from './java-big.js';

/**
 * A double whose value is a whole number (`3.0`). Other numbers need no mark: a JS number that
 * is a whole number is a long, one with a fraction is a double, a bigint is a long beyond 2^53.
 * The mark keeps `1.5 + 1.5` printing `3.0` and `10 / 3` (two longs) giving `3`.
 */
export class JavaDouble {
  /**
   * @param javaClass the class Kestra would hold the value as: a double, unless the `number` filter read a
   *   `Float` (computed and printed as a float).
   * @param text how the value prints, when that is not `Double.toString` (a float's digits).
   */
  constructor(
    readonly value: number,
    readonly javaClass: JavaDecimalClass = 'java.lang.Double',
    readonly text?: string,
  ) {
    Object.freeze(this);
  }
}

/** The decimal classes Kestra's `number` filter gives. */
export type JavaDecimalClass = 'java.lang.Double' | 'java.lang.Float';

/** A number of any shape: a long, a double, or what the `number` filter reads as a BigDecimal or BigInteger. */
export type JavaNumber = number | bigint | JavaDouble | JavaBigDecimal | JavaBigInteger;

/** True for the number objects the engine makes: a marked double, a BigDecimal, a BigInteger. */
function isMark(value: unknown): boolean {
  return value instanceof JavaDouble || value instanceof JavaBigDecimal || value instanceof JavaBigInteger;
}

export function isNumber(value: unknown): value is JavaNumber {
  const type = typeof value;
  return type === 'number' || type === 'bigint' || (type === 'object' && isMark(value));
}

/** True for a decimal: a double (marked, or a JS number with a fraction, or not finite) or a BigDecimal. */
export function isDouble(value: unknown): boolean {
  return (
    value instanceof JavaDouble ||
    value instanceof JavaBigDecimal ||
    (typeof value === 'number' && !Number.isInteger(value))
  );
}

/** A double as its value: integral results are marked so that they print `3.0`. */
export function double(value: number): number | JavaDouble {
  return Number.isInteger(value) ? new JavaDouble(value) : value;
}

/** A long as its value: a JS number when exact, a bigint beyond 2^53, wrapped to 64 bits as Java does. */
export function long(value: bigint): number | bigint {
  return exactInteger(BigInt.asIntN(64, value));
}

/** The plain JS number of any number (a bigint may lose precision). */
export function toJsNumber(value: JavaNumber): number {
  if (value instanceof JavaDouble) return value.value;
  if (value instanceof JavaBigDecimal) return value.toNumber();
  return Number(value instanceof JavaBigInteger ? value.value : value);
}

/**
 * Leaves marks out of a value handed outside the engine: `3.0` becomes 3, a BigDecimal its nearest
 * double, a BigInteger a long (a bigint beyond 2^53); bigints stay.
 */
export function unmark(value: unknown): unknown {
  if (typeof value !== 'object') return value;
  if (value instanceof JavaDouble) return value.value;
  if (value instanceof JavaBigDecimal) return value.toNumber();
  if (value instanceof JavaBigInteger) return exactInteger(value.value);
  return value;
}

/** A whole number as a JS number when exact, else as a bigint. */
function exactInteger(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}

/** Java's `Double.toString`: `3.0`, `0.1`, `1.0E7`, `1.0E-4`, `NaN`, `Infinity`. */
export function doubleText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(value);
  if (abs >= 1e-3 && abs < 1e7) {
    const text = String(value);
    return text.includes('.') ? text : `${text}.0`;
  }
  const [mantissa = '', exponent = ''] = value.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}

/** Java's `Float.toString` of `value` rounded to a float: the fewest digits that read back as the same float. */
export function floatText(value: number): string {
  const float = Math.fround(value);
  if (!Number.isFinite(float)) return doubleText(float);
  for (let digits = 1; digits <= 9; digits++) {
    const shortest = Number(float.toPrecision(digits));
    if (Math.fround(shortest) === float) return doubleText(shortest);
  }
  return doubleText(float);
}

/** A number as Pebble prints it. */
export function numberText(value: JavaNumber): string {
  if (value instanceof JavaDouble) return value.text ?? doubleText(value.value);
  if (value instanceof JavaBigDecimal) return value.toString();
  if (value instanceof JavaBigInteger) return value.value.toString();
  if (typeof value === 'bigint') return value.toString();
  return Number.isInteger(value) ? String(value) : doubleText(value);
}

function asBigInt(value: number | bigint): bigint {
  return typeof value === 'bigint' ? value : BigInt(value);
}

function longOperation(a: number | bigint, b: number | bigint, op: Operation): number | bigint {
  if ((op === '/' || op === '%') && (b === 0 || b === 0n)) fail('division by zero');
  if (typeof a === 'number' && typeof b === 'number') {
    const result =
      op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : op === '/' ? Math.trunc(a / b) : a % b;
    if (Number.isSafeInteger(result)) return result === 0 ? 0 : result;
  }
  const x = asBigInt(a);
  const y = asBigInt(b);
  return long(op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : op === '/' ? x / y : x % y);
}

function doubleOperation(a: number, b: number, op: Operation): number | JavaDouble {
  return double(op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : op === '/' ? a / b : a % b);
}

const OPERATION_NAMES: Readonly<Record<Operation, string>> = {
  '+': 'ADD',
  '-': 'SUBTRACT',
  '*': 'MULTIPLICATION',
  '/': 'DIVISION',
  '%': 'MODULUS',
};

/** Pebble's arithmetic: two longs give a long (integer division), a double on either side gives a double. */
export function arithmetic(a: unknown, b: unknown, op: Operation): JavaNumber {
  // Plain JS numbers, the common case: longs, or doubles when either has a fraction.
  if (typeof a === 'number' && typeof b === 'number')
    return Number.isInteger(a) && Number.isInteger(b) ? longOperation(a, b, op) : doubleOperation(a, b, op);
  // Pebble 4 reads a string operand as a number (a long, or a double with a point or an exponent).
  const x = typeof a === 'string' ? operandNumber(a, op) : a;
  const y = typeof b === 'string' ? operandNumber(b, op) : b;
  if (!isNumber(x) || !isNumber(y))
    return fail(
      `'${op}' needs numbers, got ${describeOperand(a)} and ${describeOperand(b)} [${OPERATION_NAMES[op]}]`,
    );
  // Pebble widens to BigDecimal when either side is one, through each side's double value.
  if (x instanceof JavaBigDecimal || y instanceof JavaBigDecimal)
    return decimalOperation(decimalOfDouble(toJsNumber(x)), decimalOfDouble(toJsNumber(y)), op);
  if (isFloat(x) || isFloat(y)) {
    // Java widens to double when either side is one; two floats, or a float and an integer, stay a float.
    if (isPlainDouble(x) || isPlainDouble(y)) return doubleOperation(toJsNumber(x), toJsNumber(y), op);
    return floatOperation(toJsNumber(x), toJsNumber(y), op);
  }
  if (isDouble(x) || isDouble(y)) return doubleOperation(toJsNumber(x), toJsNumber(y), op);
  // Two BigIntegers fall through to Pebble's int arithmetic; a BigInteger and a long to a long's.
  if (x instanceof JavaBigInteger && y instanceof JavaBigInteger) return long(intOperation(x, y, op));
  return longOperation(longValue(x), longValue(y), op);
}

/** `longValue()`: a BigInteger's low 64 bits. */
function longValue(value: JavaNumber): number | bigint {
  return value instanceof JavaBigInteger ? long(value.value) : (value as number | bigint);
}

/** `BigDecimal.valueOf(double)`: the decimal `Double.toString` prints. */
function decimalOfDouble(value: number): JavaBigDecimal {
  return JavaBigDecimal.parse(doubleText(value)) ?? fail(`${doubleText(value)} is not a decimal number`);
}

/** A number as the exact decimal Pebble compares it as (`new BigDecimal(n.toString())`). */
function exactDecimal(value: JavaNumber): JavaBigDecimal {
  if (value instanceof JavaBigDecimal) return value;
  const text = numberText(value);
  return JavaBigDecimal.parse(text) ?? fail(`cannot compare ${text} with a big number`);
}

/** Pebble's `OperatorUtils.toNumber` on a string operand: a malformed one is an error. */
function operandNumber(text: string, op: Operation): JavaNumber {
  const trimmed = text.trim();
  if (/^-?\d+$/.test(trimmed)) return long(BigInt(trimmed));
  if (/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed)) return double(Number(trimmed));
  return fail(`'${op}' cannot read a number from '${text}' [${OPERATION_NAMES[op]}]`);
}

const isFloat = (value: JavaNumber): boolean =>
  value instanceof JavaDouble && value.javaClass === 'java.lang.Float';
const isPlainDouble = (value: JavaNumber): boolean => isDouble(value) && !isFloat(value);

/** Java's float arithmetic: both sides and the result rounded to a float, printed as a float. */
function floatOperation(a: number, b: number, op: Operation): JavaDouble {
  const [x, y] = [Math.fround(a), Math.fround(b)];
  const result = Math.fround(
    op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : op === '/' ? x / y : x % y,
  );
  return new JavaDouble(result, 'java.lang.Float', floatText(result));
}

function describeOperand(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a map' : `a ${typeof value}`;
}

const isBig = (n: JavaNumber): boolean => n instanceof JavaBigDecimal || n instanceof JavaBigInteger;

/** Compares two numbers by value, -1, 0 or 1, exactly for longs. */
export function compareNumbers(a: JavaNumber, b: JavaNumber): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (isBig(a) || isBig(b)) return exactDecimal(a).compareTo(exactDecimal(b));
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    if (!isDouble(a) && !isDouble(b)) {
      const x = asBigInt(a as number | bigint);
      const y = asBigInt(b as number | bigint);
      return x < y ? -1 : x > y ? 1 : 0;
    }
  }
  const x = toJsNumber(a);
  const y = toJsNumber(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Reads a number literal or a `number` filter input the way Kestra does: a whole number is a long
 * (a bigint beyond 2^53), anything with a fraction or an exponent is a double.
 */
export function parseJavaNumber(text: string): JavaNumber | undefined {
  const trimmed = text.trim();
  if (/^[-+]?\d+$/.test(trimmed)) {
    const big = BigInt(trimmed);
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(big)
      : big;
  }
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?[dDfF]?$/.test(trimmed))
    return double(Number(trimmed.replace(/[dDfF]$/, '')));
  return undefined;
}

export function isBigInt(value: unknown): value is bigint {
  return typeof value === 'bigint';
}

/** A value with its number marks removed, all the way down, for code that knows only plain JS values. */
export function plain(value: unknown): unknown {
  if (isMark(value)) return unmark(value);
  if (Array.isArray(value)) return value.some(hasMarks) ? value.map(plain) : value;
  if (value !== null && typeof value === 'object' && hasMarks(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      Object.defineProperty(out, k, {
        value: plain(v),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return out;
  }
  return value;
}

function hasMarks(value: unknown): boolean {
  if (isMark(value)) return true;
  if (Array.isArray(value)) return value.some(hasMarks);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasMarks);
  return false;
}
