/** Java number semantics for expressions: longs and doubles stay distinct, as Pebble computes them. */
import { fail } from './errors.js';

/**
 * A double whose value is a whole number (`3.0`). Other numbers need no mark: a JS number that
 * is a whole number is a long, one with a fraction is a double, a bigint is a long beyond 2^53.
 * The mark keeps `1.5 + 1.5` printing `3.0` and `10 / 3` (two longs) giving `3`.
 */
export class JavaDouble {
  /**
   * @param javaClass the class Kestra would hold the value as: a double, unless the `number` filter read a
   *   `Float` or a `BigDecimal` (which only `className` tells apart; arithmetic is a double's).
   * @param text how the value prints, when that is not `Double.toString` (a `BigDecimal`'s digits).
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
export type JavaDecimalClass = 'java.lang.Double' | 'java.lang.Float' | 'java.math.BigDecimal';

/** A number of any of the three shapes. */
export type JavaNumber = number | bigint | JavaDouble;

export function isNumber(value: unknown): value is JavaNumber {
  return typeof value === 'number' || typeof value === 'bigint' || value instanceof JavaDouble;
}

/** True for a double (marked, or a JS number with a fraction, or not finite). */
export function isDouble(value: unknown): boolean {
  return value instanceof JavaDouble || (typeof value === 'number' && !Number.isInteger(value));
}

/** A double as its value: integral results are marked so that they print `3.0`. */
export function double(value: number): number | JavaDouble {
  return Number.isInteger(value) ? new JavaDouble(value) : value;
}

/** A long as its value: a JS number when exact, a bigint beyond 2^53, wrapped to 64 bits as Java does. */
export function long(value: bigint): number | bigint {
  const wrapped = BigInt.asIntN(64, value);
  return wrapped >= BigInt(Number.MIN_SAFE_INTEGER) && wrapped <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(wrapped)
    : wrapped;
}

/** The plain JS number of any number (a bigint may lose precision). */
export function toJsNumber(value: JavaNumber): number {
  return value instanceof JavaDouble ? value.value : Number(value);
}

/** Leaves marks out of a value handed outside the engine: `3.0` becomes 3, bigints stay. */
export function unmark(value: unknown): unknown {
  return value instanceof JavaDouble ? value.value : value;
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
  if (typeof value === 'bigint') return value.toString();
  return Number.isInteger(value) ? String(value) : doubleText(value);
}

type Operation = '+' | '-' | '*' | '/' | '%';

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
  // Pebble 4 reads a string operand as a number (a long, or a double with a point or an exponent).
  const x = typeof a === 'string' ? operandNumber(a, op) : a;
  const y = typeof b === 'string' ? operandNumber(b, op) : b;
  if (!isNumber(x) || !isNumber(y))
    return fail(
      `'${op}' needs numbers, got ${describeOperand(a)} and ${describeOperand(b)} [${OPERATION_NAMES[op]}]`,
    );
  if (isFloat(x) || isFloat(y)) {
    // Java widens to double when either side is one; two floats, or a float and an integer, stay a float.
    if (isPlainDouble(x) || isPlainDouble(y)) return doubleOperation(toJsNumber(x), toJsNumber(y), op);
    return floatOperation(toJsNumber(x), toJsNumber(y), op);
  }
  if (isDouble(x) || isDouble(y)) return doubleOperation(toJsNumber(x), toJsNumber(y), op);
  return longOperation(x as number | bigint, y as number | bigint, op);
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

/** Compares two numbers by value, -1, 0 or 1, exactly for longs. */
export function compareNumbers(a: JavaNumber, b: JavaNumber): number {
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
  if (value instanceof JavaDouble) return value.value;
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
  if (value instanceof JavaDouble) return true;
  if (Array.isArray(value)) return value.some(hasMarks);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasMarks);
  return false;
}
