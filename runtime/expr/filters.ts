/** Filters with Pebble's and Kestra's names, arguments and semantics. Nothing outside this table is callable. */
import { DATE_FILTERS } from './date-filters.js';
import { fail, Missing } from './errors.js';
import { bigDecimal, javaDecimal, javaFloat } from './java-decimals.js';
import { jsonText, parseJson } from './json.js';
import { type FilterDef, filter, integerArg, listInput, onText } from './library.js';
import {
  arithmetic,
  double,
  isDouble,
  isNumber,
  JavaBigInteger,
  JavaDouble,
  type JavaNumber,
  parseJavaNumber,
  toJsNumber,
} from './numbers.js';
import { REGEX_FILTERS } from './regex-filters.js';
import { LIBRARY_FILTERS } from './string-filters.js';
import { deepEquals, describe, isEmpty, isPlainObject, toText } from './values.js';

/** Rounds half up to `digits` decimals without the binary drift of `x * 10^n`. */
function roundTo(value: number, digits: number): number {
  if (!Number.isFinite(value)) return value;
  const [m, e = '0'] = String(value).split('e');
  const shifted = Math.round(Number(`${m}e${Number(e) + digits}`));
  const [m2, e2 = '0'] = String(shifted).split('e');
  return Number(`${m2}e${Number(e2) - digits}`);
}

const INTEGER_TYPES = new Set(['INT', 'INTEGER', 'LONG', 'SHORT', 'BYTE', 'BIGINTEGER']);

/**
 * Kestra's `number(type)`: an integer, or the decimal class commons-lang's `createNumber` picks (Float,
 * Double, BigDecimal); or the type asked for (INT, LONG, FLOAT, DOUBLE, BIGDECIMAL, BIGINTEGER).
 */
function toNumber(input: unknown, [type]: unknown[]): unknown {
  if (input === null || input === undefined) return null;
  const n = isNumber(input) ? input : typeof input === 'string' ? parseJavaNumber(input) : undefined;
  if (n === undefined)
    return fail(
      typeof input === 'string'
        ? `number cannot read a number from '${input}'`
        : `number cannot read a number from ${describe(input)}`,
    );
  const wanted = type === undefined || type === null ? '' : toText(type).toUpperCase();
  if (INTEGER_TYPES.has(wanted) && isDouble(n)) return fail(`number: '${toText(input)}' is not an integer`);
  const text = typeof input === 'string' ? input : toText(input);
  switch (wanted) {
    case 'BIGINTEGER':
      return new JavaBigInteger(BigInt(toText(n)));
    case 'FLOAT':
      return javaFloat(toJsNumber(n));
    case 'DOUBLE':
      return new JavaDouble(toJsNumber(n));
    case 'BIGDECIMAL':
      return bigDecimal(text);
    default:
      return wanted === '' && typeof input === 'string' && isDouble(n) ? javaDecimal(text) : n;
  }
}

function firstOrLast(input: unknown, which: 'first' | 'last'): unknown {
  if (input === null || input === undefined) return null;
  if (Array.isArray(input) || typeof input === 'string') {
    if (input.length === 0) return typeof input === 'string' ? '' : null;
    return input[which === 'first' ? 0 : input.length - 1];
  }
  if (isPlainObject(input)) {
    const values = Object.values(input);
    return values[which === 'first' ? 0 : values.length - 1] ?? null;
  }
  return fail(`${which} needs a list or a string, got ${describe(input)}`);
}

function keysOrValues(input: unknown, which: 'keys' | 'values'): unknown[] {
  if (input === null || input === undefined) return [];
  if (isPlainObject(input)) return which === 'keys' ? Object.keys(input) : Object.values(input);
  if (Array.isArray(input)) return which === 'keys' ? input.map((_, i) => i) : [...input];
  return fail(`${which} needs a map, got ${describe(input)}`);
}

/** Pebble's `sort`: numbers by value, strings in order; a mix is an error as in Java. */
export function sortList(input: unknown, name: string): unknown[] {
  const list = [...listInput(input, name)];
  if (list.every(isNumber))
    return list.sort((a, b) => toJsNumber(a as JavaNumber) - toJsNumber(b as JavaNumber));
  if (list.every((x) => typeof x === 'string')) return (list as string[]).sort();
  return fail(`${name} needs a list of numbers or a list of strings`);
}

function defaultFilter(input: unknown, [fallback]: unknown[]): unknown {
  return input instanceof Missing || isEmpty(input) ? (fallback === undefined ? '' : fallback) : input;
}

function length(input: unknown): number {
  if (input === null || input === undefined) return 0;
  if (Array.isArray(input)) return input.length;
  if (typeof input === 'string') return input.length; // Java counts UTF-16 units, as JS does
  if (isPlainObject(input)) return Object.keys(input).length;
  return toText(input).length;
}

function fromJson(input: unknown): unknown {
  if (input === null || input === undefined) return null;
  if (typeof input !== 'string') return input;
  try {
    return parseJson(input);
  } catch (err) {
    return fail(`fromJson: invalid JSON (${(err as Error).message})`);
  }
}

/** The filters expressions may use, by name. */
export const FILTERS: ReadonlyMap<string, FilterDef> = new Map<string, FilterDef>([
  ['upper', onText([], (s) => s.toUpperCase())],
  ['lower', onText([], (s) => s.toLowerCase())],
  ['trim', onText([], (s) => s.trim())],
  ['default', { params: ['default'], run: defaultFilter, absorbsMissing: true }],
  ['length', filter([], length)],
  ['first', filter([], (input) => firstOrLast(input, 'first'))],
  ['last', filter([], (input) => firstOrLast(input, 'last'))],
  ['keys', filter([], (input) => keysOrValues(input, 'keys'))],
  ['values', filter([], (input) => keysOrValues(input, 'values'))],
  [
    'join',
    filter(['separator'], (input, [separator]) =>
      input === null || input === undefined
        ? null
        : listInput(input, 'join')
            .map(toText)
            .join(separator === undefined || separator === null ? '' : toText(separator)),
    ),
  ],
  [
    'abs',
    filter([], (input) =>
      isNumber(input) && toJsNumber(input) < 0
        ? arithmetic(-1, input, '*')
        : isNumber(input)
          ? input
          : fail(`abs needs a number, got ${describe(input)}`),
    ),
  ],
  ['number', filter(['type'], toNumber)],
  [
    'round',
    filter(['precision'], (input, [digits]) => {
      if (!isNumber(input)) return fail(`round needs a number, got ${describe(input)}`);
      const rounded = roundTo(toJsNumber(input), integerArg(digits, 'round', 0));
      return isDouble(input) && digits !== undefined ? double(rounded) : rounded;
    }),
  ],
  ['json', filter([], (input) => jsonText(input))],
  ['toJson', filter([], (input) => jsonText(input))],
  ['fromJson', filter([], fromJson)],
  ['sort', filter([], (input) => sortList(input, 'sort'))],
  [
    'reverse',
    filter([], (input) =>
      typeof input === 'string' ? [...input].reverse().join('') : [...listInput(input, 'reverse')].reverse(),
    ),
  ],
  [
    'slice',
    filter(['fromIndex', 'toIndex'], (input, [start, end]) => {
      const from = integerArg(start, 'slice', 0);
      const to = end === undefined ? undefined : integerArg(end, 'slice', 0);
      if (typeof input === 'string') return input.slice(from, to);
      return listInput(input, 'slice').slice(from, to);
    }),
  ],
  [
    'distinct',
    filter([], (input) =>
      // Kestra's DistinctFilter gives the text 'null' for null.
      input === null
        ? 'null'
        : listInput(input, 'distinct').filter((x, i, all) => all.findIndex((y) => deepEquals(x, y)) === i),
    ),
  ],
  ['nl2br', onText([], (s) => s.replace(/\r\n|\n|\r/g, '<br />'))],
  ['string', filter([], (input) => toText(input))],
  ['raw', filter([], (input) => input)],
  ...LIBRARY_FILTERS,
  ...REGEX_FILTERS,
  ...DATE_FILTERS,
]);
