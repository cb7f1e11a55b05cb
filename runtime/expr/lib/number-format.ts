/** Java's `DecimalFormat` for Pebble's `numberFormat` filter: patterns, grouping, HALF_EVEN rounding, percent, exponent. */

/** A compiled `DecimalFormat` pattern. */
interface DecimalPattern {
  readonly positivePrefix: string;
  readonly positiveSuffix: string;
  readonly negativePrefix: string;
  readonly negativeSuffix: string;
  readonly minInt: number;
  readonly maxInt: number;
  readonly minFrac: number;
  readonly maxFrac: number;
  /** Digits per group, 0 when the pattern has no `,`. */
  readonly grouping: number;
  readonly alwaysShowPoint: boolean;
  readonly multiplier: number;
  /** Minimum exponent digits, 0 when the pattern has no `E`. */
  readonly exponentDigits: number;
}

/** A non-negative decimal: `0.digits × 10^point`, digits without leading zeros (empty for zero). */
interface Decimal {
  digits: string;
  point: number;
}

/** What `NumberFormat.getInstance(Locale.US)` uses when no pattern is given. */
const DEFAULT_PATTERN = '#,##0.###';
const compiled = new Map<string, DecimalPattern>();

/**
 * Pebble: `value | numberFormat(format)` — formats a number as `new DecimalFormat(format)` does in the
 * US locale (Java's default when no pattern is given: `#,##0.###`).
 *
 * @example formatNumber(1234.5678, '#,##0.00') // '1,234.57'
 */
export function formatNumber(value: unknown, format?: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' && typeof value !== 'bigint')
    throw new Error(`numberFormat: the value must be a number, got ${typeof value} '${String(value)}'`);
  const source = format ?? DEFAULT_PATTERN;
  let pattern = compiled.get(source);
  if (!pattern) {
    pattern = compilePattern(String(source));
    if (compiled.size > 200) compiled.clear();
    compiled.set(source, pattern);
  }
  const negative = typeof value === 'bigint' ? value < 0n : value < 0 || Object.is(value, -0);
  const [prefix, suffix] = negative
    ? [pattern.negativePrefix, pattern.negativeSuffix]
    : [pattern.positivePrefix, pattern.positiveSuffix];
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  if (typeof value === 'number' && !Number.isFinite(value)) return `${prefix}\u221e${suffix}`;
  const scaled =
    typeof value === 'bigint'
      ? exactDecimal(value * BigInt(pattern.multiplier))
      : exactDecimal(value * pattern.multiplier); // Java multiplies a double in floating point too
  const body = pattern.exponentDigits > 0 ? scientific(scaled, pattern) : fixed(scaled, pattern);
  return prefix + body + suffix;
}

/** Parses a `DecimalFormat` pattern: `prefix number suffix[;negative prefix number suffix]`. */
export function compilePattern(source: string): DecimalPattern {
  const [positive, negative] = splitSubpatterns(source);
  const pos = splitAffixes(positive, source);
  const number = pos.number;
  const exponentAt = number.indexOf('E');
  const mantissa = exponentAt < 0 ? number : number.slice(0, exponentAt);
  const exponent = exponentAt < 0 ? '' : number.slice(exponentAt + 1);
  if (exponentAt >= 0 && !/^0+$/.test(exponent))
    throw new Error(`numberFormat: malformed exponent in pattern '${source}' (expected E followed by 0s)`);
  const pointAt = mantissa.indexOf('.');
  const integer = pointAt < 0 ? mantissa : mantissa.slice(0, pointAt);
  const fraction = pointAt < 0 ? '' : mantissa.slice(pointAt + 1);
  if (!/^[#,]*[0,]*$/.test(integer) || !/^0*#*$/.test(fraction) || mantissa.indexOf('.', pointAt + 1) > 0)
    throw new Error(`numberFormat: malformed pattern '${source}'`);
  const lastComma = integer.lastIndexOf(',');
  const digits = integer.replaceAll(',', '');
  const multiplier = pos.multiplier;
  const neg = negative === undefined ? undefined : splitAffixes(negative, source);
  return {
    positivePrefix: pos.prefix,
    positiveSuffix: pos.suffix,
    negativePrefix: neg ? neg.prefix : `-${pos.prefix}`,
    negativeSuffix: neg ? neg.suffix : pos.suffix,
    minInt: minimumIntegerDigits(digits, pointAt >= 0),
    maxInt: exponentAt < 0 ? Number.MAX_SAFE_INTEGER : digits.length,
    minFrac: (fraction.match(/0/g) ?? []).length,
    maxFrac: fraction.length,
    grouping: lastComma < 0 ? 0 : integer.length - lastComma - 1,
    alwaysShowPoint: pointAt >= 0 && fraction === '',
    multiplier,
    exponentDigits: exponent.length,
  };
}

/** Java gives `#.##` one integer digit (it prints `0.46`), while `#` and `.##` keep none. */
function minimumIntegerDigits(digits: string, hasPoint: boolean): number {
  const zeros = (digits.match(/0/g) ?? []).length;
  return zeros === 0 && hasPoint && digits.length > 0 ? 1 : zeros;
}

function splitSubpatterns(source: string): [string, string | undefined] {
  let quoted = false;
  for (let i = 0; i < source.length; i++) {
    if (source[i] === "'") quoted = !quoted;
    else if (source[i] === ';' && !quoted) return [source.slice(0, i), source.slice(i + 1)];
  }
  return [source, undefined];
}

/** Splits one subpattern into its literal prefix, its number part and its literal suffix. */
function splitAffixes(
  part: string,
  source: string,
): { prefix: string; number: string; suffix: string; multiplier: number } {
  let prefix = '';
  let suffix = '';
  let number = '';
  let multiplier = 1;
  let phase: 'prefix' | 'number' | 'suffix' = 'prefix';
  for (let i = 0; i < part.length; i++) {
    const ch = part.charAt(i);
    const inNumber = /[#0,.]/.test(ch) || (ch === 'E' && phase === 'number');
    if (phase === 'prefix' && inNumber) phase = 'number';
    if (phase === 'number' && !inNumber) phase = 'suffix';
    if (phase === 'number') {
      number += ch;
      continue;
    }
    let text = ch;
    if (ch === "'") {
      const end = part.indexOf("'", i + 1);
      if (end < 0) throw new Error(`numberFormat: unterminated quote in pattern '${source}'`);
      text = end === i + 1 ? "'" : part.slice(i + 1, end);
      i = end;
    } else if (ch === '%') multiplier = 100;
    else if (ch === '\u2030') multiplier = 1000;
    else if (ch === '\u00a4')
      throw new Error(`numberFormat: currency signs are not supported in '${source}'`);
    if (phase === 'prefix') prefix += text;
    else suffix += text;
  }
  if (number.replace(/[,.E]/g, '') === '') throw new Error(`numberFormat: pattern '${source}' has no digits`);
  return { prefix, number, suffix, multiplier };
}

/** The exact decimal value of a double or an integer (Java rounds the binary value, not its shortest print). */
function exactDecimal(value: number | bigint): Decimal {
  if (typeof value === 'bigint')
    return normalize((value < 0n ? -value : value).toString(), String(value < 0n ? -value : value).length);
  const abs = Math.abs(value);
  if (abs === 0) return { digits: '', point: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, abs);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  if (exponent >= 0) {
    const text = (mantissa << BigInt(exponent)).toString();
    return normalize(text, text.length);
  }
  // m / 2^k = m * 5^k / 10^k
  const text = (mantissa * 5n ** BigInt(-exponent)).toString();
  return normalize(text, text.length + exponent);
}

function normalize(text: string, point: number): Decimal {
  const leading = text.length - text.replace(/^0+/, '').length;
  return { digits: text.slice(leading).replace(/0+$/, ''), point: point - leading };
}

/** Rounds to `keep` significant digits, HALF_EVEN on the exact value. */
function round(value: Decimal, keep: number): Decimal {
  const { digits, point } = value;
  if (keep >= digits.length) return value;
  if (keep < 0) return { digits: '', point: 0 };
  const next = digits.charCodeAt(keep) - 48;
  const rest = digits.slice(keep + 1);
  const previous = keep === 0 ? 0 : digits.charCodeAt(keep - 1) - 48;
  const up = next > 5 || (next === 5 && (/[1-9]/.test(rest) || previous % 2 === 1));
  const kept = digits.slice(0, keep);
  if (!up) return normalize(kept, point);
  const bumped = (BigInt(kept === '' ? '0' : kept) + 1n).toString();
  return normalize(bumped, point + (bumped.length - kept.length));
}

function fixed(value: Decimal, pattern: DecimalPattern): string {
  const { digits, point } = round(value, value.point + pattern.maxFrac);
  const integerDigits = point > 0 ? digits.slice(0, point).padEnd(point, '0') : '';
  let fraction = point >= 0 ? digits.slice(point) : '0'.repeat(-point) + digits;
  fraction = fraction.replace(/0+$/, '').padEnd(pattern.minFrac, '0');
  let integer = integerDigits.padStart(pattern.minInt, '0');
  if (pattern.grouping > 0) integer = group(integer, pattern.grouping);
  // Java prints a zero rather than nothing at all.
  if (integer === '' && fraction === '') integer = '0';
  return fraction !== '' || pattern.alwaysShowPoint ? `${integer}.${fraction}` : integer;
}

function group(integer: string, size: number): string {
  let out = '';
  for (let end = integer.length; end > 0; end -= size)
    out = integer.slice(Math.max(0, end - size), end) + (out === '' ? '' : `,${out}`);
  return out;
}

function scientific(value: Decimal, pattern: DecimalPattern): string {
  const engineering = pattern.maxInt > 1 && pattern.maxInt > pattern.minInt;
  const minInt = engineering ? 1 : pattern.minInt;
  // Java rounds to maxInt + maxFrac significant digits (`##0.##E0` prints 12345 as 12.345E3).
  const rounded = round(value, pattern.maxInt + pattern.maxFrac);
  const { digits, point } = rounded;
  let exponent: number;
  if (digits === '') exponent = 0;
  else if (engineering) exponent = Math.floor((point - 1) / pattern.maxInt) * pattern.maxInt;
  else exponent = point - minInt;
  const integerCount = digits === '' ? minInt : point - exponent;
  const integer = digits.slice(0, integerCount).padEnd(integerCount, '0').padStart(minInt, '0');
  const minSignificant = pattern.minInt + pattern.minFrac;
  const fractionLength = Math.max(
    pattern.minFrac,
    minSignificant - integerCount,
    digits.length - integerCount,
    0,
  );
  const fraction = digits.slice(integerCount).padEnd(fractionLength, '0');
  const mantissa =
    fraction !== '' || pattern.alwaysShowPoint
      ? `${integer === '' ? '' : integer}.${fraction}`
      : integer || '0';
  const sign = exponent < 0 ? '-' : '';
  return `${mantissa}E${sign}${String(Math.abs(exponent)).padStart(pattern.exponentDigits, '0')}`;
}
