/** The decimal classes of Kestra's `number` filter (commons-lang's `NumberUtils`): Float, Double or BigDecimal. */
import { fail } from './errors.js';
import { doubleText, floatText, JavaBigDecimal, JavaDouble } from './numbers.js';

/** A decimal's digits without sign noise, leading or trailing zeros: `+012.50` → `12.5`. */
function digitsOf(text: string): string {
  const [whole = '', fraction = ''] = text.replace(/^[+]/, '').split('.');
  const w = whole.replace(/^(-?)0+(?=\d)/, '$1');
  const f = fraction.replace(/0+$/, '');
  return f ? `${w}.${f}` : w;
}

/**
 * `NumberUtils.createNumber` for a decimal written as `text`: a `Float` when the float prints as the double
 * does, else a `Double` when the double holds every digit, else a `BigDecimal` (kept as its digits).
 *
 * @example javaDecimal('12.3').javaClass // 'java.lang.Float'
 */
export function javaDecimal(text: string): JavaDouble | JavaBigDecimal {
  const value = Number(text);
  const asDouble = doubleText(value);
  if (Number.isFinite(Math.fround(value)) && floatText(value) === asDouble) return javaFloat(value);
  const plain = text.trim();
  if (/[eE]/.test(plain) || asDouble.includes('E') || digitsOf(plain) === digitsOf(asDouble))
    return new JavaDouble(value);
  return bigDecimal(plain);
}

/**
 * A `Float`: the value rounded to a float, printed as Java prints a float (`12.3`). Pebble computes a
 * float with an integer or a float as a float (`'12.3' | number + 1` is `13.3`), with a double as a double.
 */
export function javaFloat(value: number): JavaDouble {
  const float = Math.fround(value);
  return new JavaDouble(float, 'java.lang.Float', floatText(float));
}

/** `number('BIGDECIMAL')`: `new BigDecimal(text)`, exact, keeping the scale written (`1.50` stays `1.50`). */
export function bigDecimal(text: string): JavaBigDecimal {
  return JavaBigDecimal.parse(text) ?? fail(`number cannot read a BigDecimal from '${text}'`);
}
