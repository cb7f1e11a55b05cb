/** How Java would name and print plain template values: `toString()` and `getClass().getName()`. */

export { javaToString } from '../../../protocol/values.js';

/**
 * Pebble: `value | className` — the Java class Kestra holds such a value as. JSON numbers become
 * `Integer` when they fit 32 bits, else `Long` (Jackson's choice, as Kestra's JqFilterTest shows); decimals
 * `Double`. A number literal written in a template is a `Long` in Pebble: the engine passes `literal`.
 */
export function className(value: unknown, literal = false): string | null {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      return 'java.lang.String';
    case 'boolean':
      return 'java.lang.Boolean';
    case 'bigint':
      return value >= -(2n ** 63n) && value < 2n ** 63n ? 'java.lang.Long' : 'java.math.BigInteger';
    case 'number':
      if (!Number.isInteger(value)) return 'java.lang.Double';
      return !literal && value >= -(2 ** 31) && value < 2 ** 31 ? 'java.lang.Integer' : 'java.lang.Long';
    default:
      if (Array.isArray(value)) return 'java.util.ArrayList';
      if (value instanceof Date) return 'java.time.ZonedDateTime';
      return 'java.util.LinkedHashMap';
  }
}

/** Java's `Double.toString` for a decimal: plain between 10^-3 and 10^7, else `1.0E-4` style; integers stay integers. */
export function javaDoubleString(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return String(value);
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(value);
  if (abs >= 1e-3 && abs < 1e7) return String(value);
  const [mantissa, exponent] = value.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}
