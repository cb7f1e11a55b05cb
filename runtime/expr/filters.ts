/** Filters with Pebble's (and Kestra's) names and semantics. Nothing outside this table is callable. */
import { createHash } from 'node:crypto';
import { DEFAULT_DATE_FORMAT, formatDate, toDateTime } from './dates.js';
import { fail, Missing } from './errors.js';
import { describe, isEmpty, isPlainObject, toText } from './values.js';

/** A filter body: `input | name(args…, key=value…)`. */
export type Filter = (input: unknown, args: unknown[], named: Record<string, unknown>) => unknown;

/** Filters that receive missing values instead of propagating them. */
export const ABSORBS_MISSING: ReadonlySet<string> = new Set(['default']);

/** A string filter: null stays null, other scalars are read as their text. */
const onText =
  (fn: (text: string, args: unknown[], named: Record<string, unknown>) => unknown): Filter =>
  (input, args, named) =>
    input === null || input === undefined ? null : fn(toText(input), args, named);

function numberInput(input: unknown, filter: string): number {
  if (typeof input === 'number') return input;
  return fail(`${filter} needs a number, got ${describe(input)}`);
}

function listInput(input: unknown, filter: string): unknown[] {
  if (Array.isArray(input)) return input;
  return fail(`${filter} needs a list, got ${describe(input)}`);
}

function integerArg(value: unknown, filter: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  return fail(`${filter} needs an integer argument, got ${describe(value)}`);
}

/** Rounds half up to `digits` decimals without the binary drift of `x * 10^n`. */
function roundTo(value: number, digits: number): number {
  if (!Number.isFinite(value)) return value;
  const [m, e = '0'] = String(value).split('e');
  const shifted = Math.round(Number(`${m}e${Number(e) + digits}`));
  const [m2, e2 = '0'] = String(shifted).split('e');
  return Number(`${m2}e${Number(e2) - digits}`);
}

const INTEGER_TYPES = new Set(['INT', 'INTEGER', 'LONG', 'SHORT', 'BYTE', 'BIGINTEGER']);

function toNumber(input: unknown, args: unknown[], named: Record<string, unknown>): unknown {
  if (input === null || input === undefined) return null;
  let n: number;
  if (typeof input === 'number') n = input;
  else if (typeof input === 'string' && input.trim() !== '') n = Number(input.trim());
  else return fail(`number cannot read a number from ${describe(input)}`);
  if (Number.isNaN(n)) return fail(`number cannot read a number from '${toText(input)}'`);
  const type = String(args[0] ?? named.type ?? '').toUpperCase();
  if (INTEGER_TYPES.has(type) && !Number.isInteger(n))
    return fail(`number: '${toText(input)}' is not an integer`);
  return n;
}

function split(text: string, args: unknown[]): string[] {
  const delimiter = args[0];
  if (typeof delimiter !== 'string') return fail('split needs a delimiter string');
  const limit = integerArg(args[1], 'split', 0);
  const parts = text.split(delimiter);
  // Java's limit keeps the remainder in the last part instead of dropping it.
  if (limit > 0 && parts.length > limit)
    return [...parts.slice(0, limit - 1), parts.slice(limit - 1).join(delimiter)];
  return parts;
}

function replace(text: string, args: unknown[]): string {
  const [what, by] = args;
  if (typeof what === 'string' && args.length >= 2) return text.replaceAll(what, () => toText(by));
  if (!isPlainObject(what)) return fail("replace needs a map of replacements, e.g. replace({'-': '_'})");
  let out = text;
  for (const [from, to] of Object.entries(what)) out = out.replaceAll(from, () => toText(to));
  return out;
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

function sortList(input: unknown): unknown[] {
  const list = [...listInput(input, 'sort')];
  if (list.every((x) => typeof x === 'number')) return (list as number[]).sort((a, b) => a - b);
  if (list.every((x) => typeof x === 'string')) return (list as string[]).sort();
  return fail('sort needs a list of numbers or a list of strings');
}

const DATE_UNITS: Readonly<Record<string, string>> = {
  MILLIS: 'milliseconds',
  SECONDS: 'seconds',
  MINUTES: 'minutes',
  HOURS: 'hours',
  DAYS: 'days',
  WEEKS: 'weeks',
  MONTHS: 'months',
  YEARS: 'years',
};

function dateArgs(args: unknown[], named: Record<string, unknown>): { format: string; zone?: string } {
  const format = args[0] ?? named.format ?? DEFAULT_DATE_FORMAT;
  const zone = args[1] ?? named.timeZone;
  return { format: toText(format), zone: zone === undefined || zone === null ? undefined : toText(zone) };
}

/** The filters expressions may use, by name. */
export const FILTERS: ReadonlyMap<string, Filter> = new Map<string, Filter>([
  ['upper', onText((s) => s.toUpperCase())],
  ['lower', onText((s) => s.toLowerCase())],
  ['trim', onText((s) => s.trim())],
  ['capitalize', onText((s) => s.charAt(0).toUpperCase() + s.slice(1))],
  [
    'title',
    onText((s) => s.replace(/(^|\s)(\S)/g, (_m, space: string, c: string) => space + c.toUpperCase())),
  ],
  [
    'default',
    (input, args) => (input instanceof Missing || isEmpty(input) ? (args.length > 0 ? args[0] : '') : input),
  ],
  [
    'length',
    (input) => {
      if (input === null || input === undefined) return 0;
      if (Array.isArray(input) || typeof input === 'string') return input.length;
      if (isPlainObject(input)) return Object.keys(input).length;
      return toText(input).length;
    },
  ],
  ['first', (input) => firstOrLast(input, 'first')],
  ['last', (input) => firstOrLast(input, 'last')],
  ['keys', (input) => keysOrValues(input, 'keys')],
  ['values', (input) => keysOrValues(input, 'values')],
  [
    'join',
    (input, [separator]) =>
      input === null || input === undefined
        ? null
        : listInput(input, 'join')
            .map(toText)
            .join(separator === undefined ? '' : toText(separator)),
  ],
  ['split', onText((s, args) => split(s, args))],
  ['replace', onText((s, args) => replace(s, args))],
  ['abs', (input) => Math.abs(numberInput(input, 'abs'))],
  ['number', toNumber],
  ['round', (input, [digits]) => roundTo(numberInput(input, 'round'), integerArg(digits, 'round', 0))],
  [
    'date',
    (input, args, named) => {
      if (input === null || input === undefined) return null;
      const { format, zone } = dateArgs(args, named);
      return formatDate(toDateTime(input, zone), format);
    },
  ],
  [
    'dateAdd',
    (input, [amount, unit], named) => {
      const step = integerArg(amount, 'dateAdd', Number.NaN);
      const luxonUnit = DATE_UNITS[toText(unit).toUpperCase()];
      if (Number.isNaN(step) || !luxonUnit)
        return fail("dateAdd needs an amount and a unit, e.g. dateAdd(-1, 'DAYS')");
      const zone = named.timeZone === undefined ? undefined : toText(named.timeZone);
      return toDateTime(input, zone)
        .plus({ [luxonUnit]: step })
        .toISO();
    },
  ],
  ['timestamp', (input) => Math.floor(toDateTime(input).toMillis() / 1000)],
  ['timestampMilli', (input) => toDateTime(input).toMillis()],
  [
    'slugify',
    onText((s) =>
      s
        .normalize('NFKD')
        .replace(/[\u0300-\u036f]/g, '')
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, ''),
    ),
  ],
  ['json', (input) => JSON.stringify(input ?? null)],
  ['toJson', (input) => JSON.stringify(input ?? null)],
  [
    'fromJson',
    (input) => {
      if (input === null || input === undefined) return null;
      if (typeof input !== 'string') return input;
      try {
        return JSON.parse(input);
      } catch (err) {
        return fail(`fromJson: invalid JSON (${(err as Error).message})`);
      }
    },
  ],
  ['sort', sortList],
  [
    'reverse',
    (input) =>
      typeof input === 'string' ? [...input].reverse().join('') : [...listInput(input, 'reverse')].reverse(),
  ],
  [
    'slice',
    (input, [start, end]) => {
      const from = integerArg(start, 'slice', 0);
      const to = end === undefined ? undefined : integerArg(end, 'slice', 0);
      if (typeof input === 'string') return input.slice(from, to);
      return listInput(input, 'slice').slice(from, to);
    },
  ],
  ['abbreviate', onText((s, [max]) => abbreviate(s, integerArg(max, 'abbreviate', 0)))],
  ['urlencode', onText((s) => encodeURIComponent(s).replace(/%20/g, '+'))],
  ['base64encode', onText((s) => Buffer.from(s, 'utf8').toString('base64'))],
  ['base64decode', onText((s) => Buffer.from(s, 'base64').toString('utf8'))],
  ['sha256', onText((s) => createHash('sha256').update(s, 'utf8').digest('hex'))],
  ['raw', (input) => input],
]);

function abbreviate(text: string, max: number): string {
  if (max < 0) return fail('abbreviate needs a positive length');
  if (text.length <= max) return text;
  return max <= 3 ? text.slice(0, max) : `${text.slice(0, max - 3)}...`;
}
