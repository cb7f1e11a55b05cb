/** Dates for the `date` filter and friends: parsing inputs and formatting with Java-style patterns. */
import { DateTime } from 'luxon';
import { fail } from './errors.js';

/** Kestra's named formats, usable in place of a pattern: `date('iso')`. */
const PRESETS: Readonly<Record<string, string>> = {
  iso: "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
  iso_milli: "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
  iso_sec: "yyyy-MM-dd'T'HH:mm:ssXXX",
  iso_date: 'yyyy-MM-dd',
  iso_date_time: "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
  sql: 'yyyy-MM-dd HH:mm:ss.SSS',
  sql_milli: 'yyyy-MM-dd HH:mm:ss.SSS',
  sql_seconds: 'yyyy-MM-dd HH:mm:ss',
};

/** The format used when `date` gets none. */
export const DEFAULT_DATE_FORMAT = 'iso';

/**
 * Reads a date from what flows carry: an ISO-8601 string (with or without offset), an SQL-style
 * `yyyy-MM-dd HH:mm:ss` string, epoch milliseconds, or a `Date`. A value without an offset is
 * read in `zone` (UTC by default); a value with one keeps it unless `zone` is given.
 *
 * @example toDateTime('2024-05-01T10:00:00+02:00', 'UTC').hour // 8
 */
export function toDateTime(value: unknown, zone?: string): DateTime {
  if (zone !== undefined && !DateTime.utc().setZone(zone).isValid) fail(`unknown time zone '${zone}'`);
  const readZone = zone ?? 'UTC';
  let dt: DateTime;
  if (DateTime.isDateTime(value)) dt = value;
  else if (value instanceof Date) dt = DateTime.fromJSDate(value, { zone: readZone });
  else if (typeof value === 'number') dt = DateTime.fromMillis(value, { zone: readZone });
  else if (typeof value === 'string') dt = parseDateString(value.trim(), readZone);
  else
    return fail(`cannot read a date from ${value === null || value === undefined ? 'null' : typeof value}`);
  if (!dt.isValid) return fail(`cannot read a date from '${String(value)}'`);
  return zone === undefined ? dt : dt.setZone(zone);
}

function parseDateString(text: string, zone: string): DateTime {
  if (/^-?\d+$/.test(text)) return DateTime.fromMillis(Number(text), { zone });
  const iso = DateTime.fromISO(text, { setZone: true, zone });
  if (iso.isValid) return iso;
  return DateTime.fromSQL(text, { setZone: true, zone });
}

type Part = string | ((dt: DateTime) => string);

const compiled = new Map<string, Part[]>();
const MAX_COMPILED = 500;

/**
 * Formats `dt` with a Java `DateTimeFormatter` pattern (`yyyy-MM-dd'T'HH:mm:ss.SSSXXX`) or one of
 * Kestra's named formats (`iso`, `iso_sec`, `sql` …).
 */
export function formatDate(dt: DateTime, pattern: string): string {
  const source = PRESETS[pattern] ?? pattern;
  let parts = compiled.get(source);
  if (!parts) {
    parts = compilePattern(source);
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(source, parts);
  }
  let out = '';
  for (const part of parts) out += typeof part === 'string' ? part : part(dt);
  return out;
}

/** Splits a Java pattern into literal text and one formatter per run of a pattern letter. */
export function compilePattern(pattern: string): Part[] {
  const parts: Part[] = [];
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern.charAt(i);
    if (ch === "'") {
      const [literal, next] = quoted(pattern, i);
      parts.push(literal);
      i = next;
    } else if (/[A-Za-z]/.test(ch)) {
      let n = 1;
      while (pattern.charAt(i + n) === ch) n++;
      parts.push(letter(ch, n, pattern));
      i += n;
    } else {
      // Optional sections only matter when parsing; when formatting their content is printed.
      if (ch !== '[' && ch !== ']') parts.push(ch);
      i++;
    }
  }
  return parts;
}

/** Reads the quoted literal starting at `start`; `''` is a quote, inside or outside a literal. */
function quoted(pattern: string, start: number): [string, number] {
  if (pattern.charAt(start + 1) === "'") return ["'", start + 2];
  let text = '';
  let i = start + 1;
  for (;;) {
    if (i >= pattern.length) return fail(`unterminated quote in date pattern '${pattern}'`);
    const ch = pattern.charAt(i);
    if (ch === "'" && pattern.charAt(i + 1) === "'") {
      text += "'";
      i += 2;
    } else if (ch === "'") {
      return [text, i + 1];
    } else {
      text += ch;
      i++;
    }
  }
}

const luxon =
  (token: string): Part =>
  (dt) =>
    dt.toFormat(token);
const pad = (value: number, width: number): string => String(value).padStart(width, '0');

function letter(ch: string, n: number, pattern: string): Part {
  switch (ch) {
    case 'G':
      return luxon(n >= 4 ? 'GG' : 'G');
    case 'y':
    case 'u':
      return n === 2 ? luxon('yy') : (dt) => pad(dt.year, n);
    case 'Y':
      return n === 2 ? luxon('kk') : (dt) => pad(dt.weekYear, n);
    case 'M':
    case 'L':
      return luxon((ch === 'M' ? 'M' : 'L').repeat(Math.min(n, 5)));
    case 'd':
      return luxon(n >= 2 ? 'dd' : 'd');
    case 'D':
      return (dt) => pad(dt.ordinal, n);
    case 'Q':
    case 'q':
      return (dt) => pad(dt.quarter, n);
    case 'w':
      return luxon(n >= 2 ? 'WW' : 'W');
    case 'E':
      return luxon(n >= 5 ? 'EEEEE' : n === 4 ? 'EEEE' : 'EEE');
    case 'e':
    case 'c':
      return n <= 2 ? (dt) => pad(dt.weekday, n) : luxon(n >= 4 ? 'cccc' : 'ccc');
    case 'a':
      return luxon('a');
    case 'H':
      return (dt) => pad(dt.hour, n);
    case 'k':
      return (dt) => pad(dt.hour === 0 ? 24 : dt.hour, n);
    case 'h':
      return (dt) => pad(dt.hour % 12 === 0 ? 12 : dt.hour % 12, n);
    case 'K':
      return (dt) => pad(dt.hour % 12, n);
    case 'm':
      return (dt) => pad(dt.minute, n);
    case 's':
      return (dt) => pad(dt.second, n);
    case 'S':
      // Fraction of second: luxon keeps milliseconds, so digits past the third are zeros.
      return (dt) => `${pad(dt.millisecond, 3)}${'0'.repeat(Math.max(0, n - 3))}`.slice(0, n);
    case 'n':
      return (dt) => String(dt.millisecond * 1_000_000);
    case 'A':
      return (dt) => String(((dt.hour * 60 + dt.minute) * 60 + dt.second) * 1000 + dt.millisecond);
    case 'V':
      return luxon('z');
    case 'z':
      return luxon(n >= 4 ? 'ZZZZZ' : 'ZZZZ');
    case 'O':
      return (dt) => `GMT${dt.offset === 0 ? '' : offset(dt.offset, n >= 4 ? ':' : '', n < 4)}`;
    case 'X':
      return (dt) => (dt.offset === 0 ? 'Z' : offset(dt.offset, n === 3 || n === 5 ? ':' : '', n === 1));
    case 'x':
      return (dt) => offset(dt.offset, n === 3 || n === 5 ? ':' : '', n === 1);
    case 'Z':
      if (n === 4) return (dt) => (dt.offset === 0 ? 'GMT' : `GMT${offset(dt.offset, ':', false)}`);
      if (n === 5) return (dt) => (dt.offset === 0 ? 'Z' : offset(dt.offset, ':', false));
      return (dt) => offset(dt.offset, '', false);
    default:
      return fail(`unsupported letter '${ch}' in date pattern '${pattern}'`);
  }
}

/** An offset in minutes as `+HH`, `+HHMM` or `+HH:MM`. */
function offset(minutes: number, separator: string, hoursOnlyWhenWhole: boolean): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const hh = pad(Math.floor(abs / 60), 2);
  const mm = pad(abs % 60, 2);
  return hoursOnlyWhenWhole && abs % 60 === 0 ? `${sign}${hh}` : `${sign}${hh}${separator}${mm}`;
}
