/** Kestra's and Pebble's string filters, as Java computes them (URLEncoder, commons-lang StringUtils, Slugify …). */

import { replaceAll, splitJava } from './java-regex.js';
import { javaToString } from './java-values.js';

/** Pebble: `value | urlencode` — Java's `URLEncoder.encode(value, UTF-8)`: space is `+`, `*` `.` `-` `_` are kept. */
export function urlencode(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return encodeURIComponent(javaToString(value))
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** Pebble: `value | urldecode` — Java's `URLDecoder.decode(value, UTF-8)`: `+` is a space; a bad escape is an error. */
export function urldecode(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = javaToString(value);
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw new Error(`urldecode: '${text}' has an incomplete or invalid %-escape`);
  }
}

/** Pebble: `value | slugify` — Kestra's Slugify: dashes for spaces, accents dropped, `[^\w-]` removed, lower case. */
export function slugify(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const slug = javaToString(value)
    .replace(/\s/g, '-')
    .normalize('NFD')
    .replace(/[^A-Za-z0-9_-]/g, '')
    .replace(/_/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-/, '')
    .replace(/-$/, '');
  return slug.toLowerCase();
}

/** Pebble: `value | abbreviate(length)` — cut to `length` characters, the last three being `...` (Pebble's rules). */
export function abbreviate(value: unknown, length: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = javaToString(value);
  const max = integer('abbreviate', 'length', length);
  if (max < 0) throw new Error("abbreviate: the 'length' argument must not be negative");
  if (text.length < max || text.length <= 3) return text;
  if (max <= 3) return text.slice(0, max);
  return `${text.slice(0, max - 3)}...`;
}

/** Pebble: `value | capitalize` — the first non-blank character in title case, the rest unchanged. */
export function capitalize(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return javaToString(value).replace(
    /^(\s*)(\S)/u,
    (_m, space: string, first: string) => space + first.toUpperCase(),
  );
}

/** Pebble: `value | title` — the first character of every word in title case, the rest unchanged. */
export function title(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return javaToString(value).replace(
    /(^|\s)(\S)/gu,
    (_m, space: string, first: string) => space + first.toUpperCase(),
  );
}

/** Pebble: `value | escapeChar(type)` — escapes quotes for `single`, `double` or `shell` quoting; lists and maps element-wise. */
export function escapeChar(value: unknown, type: unknown): unknown {
  if (value === null || value === undefined) return null;
  const kind = typeof type === 'string' ? type.toLowerCase() : '';
  const quote: ((s: string) => string) | undefined = {
    single: (s: string) => s.replaceAll("'", "\\'"),
    double: (s: string) => s.replaceAll('"', '\\"'),
    shell: (s: string) => s.replaceAll("'", "'\\''"),
  }[kind];
  if (!quote)
    throw new Error("escapeChar: the 'type' argument must be either 'single', 'double', or 'shell'");
  return mapStrings(value, quote);
}

/** Pebble: `value | indent(amount, prefix=" ")` — indents every line but the first (Kestra's IndentFilter). */
export function indent(value: unknown, amount: unknown, prefix?: unknown): string | null {
  return indentLines('indent', value, amount, prefix, false);
}

/** Pebble: `value | nindent(amount, prefix=" ")` — a newline first, then every line indented. */
export function nindent(value: unknown, amount: unknown, prefix?: unknown): string | null {
  return indentLines('nindent', value, amount, prefix, true);
}

function indentLines(
  name: string,
  value: unknown,
  amount: unknown,
  prefix: unknown,
  leading: boolean,
): string | null {
  if (value === null || value === undefined) return null;
  const text = javaToString(value);
  if (text === '') return text;
  const count = integer(name, 'amount', amount);
  if (count < 0) throw new Error(`${name}: the 'amount' argument must be a positive integer >=0`);
  const pad = (prefix === undefined || prefix === null ? ' ' : javaToString(prefix)).repeat(count);
  const newline = ['\r\n', '\n\r', '\n', '\r'].find((nl) => text.includes(nl)) ?? '\n';
  return (leading ? newline + text : text).replaceAll(newline, newline + pad);
}

/** Pebble: `value | substringBefore(separator)` — commons-lang `StringUtils.substringBefore`. */
export function substringBefore(value: unknown, separator: unknown): string | null {
  if (value === null || value === undefined) return null;
  const [text, sep] = [javaToString(value), separatorOf('substringBefore', separator)];
  if (text === '') return text;
  if (sep === '') return '';
  const at = text.indexOf(sep);
  return at < 0 ? text : text.slice(0, at);
}

/** Pebble: `value | substringAfter(separator)` — commons-lang `StringUtils.substringAfter`. */
export function substringAfter(value: unknown, separator: unknown): string | null {
  if (value === null || value === undefined) return null;
  const [text, sep] = [javaToString(value), separatorOf('substringAfter', separator)];
  if (text === '') return text;
  const at = text.indexOf(sep);
  return at < 0 ? '' : text.slice(at + sep.length);
}

/** Pebble: `value | substringBeforeLast(separator)` — commons-lang `StringUtils.substringBeforeLast`. */
export function substringBeforeLast(value: unknown, separator: unknown): string | null {
  if (value === null || value === undefined) return null;
  const [text, sep] = [javaToString(value), separatorOf('substringBeforeLast', separator)];
  if (text === '' || sep === '') return text;
  const at = text.lastIndexOf(sep);
  return at < 0 ? text : text.slice(0, at);
}

/** Pebble: `value | substringAfterLast(separator)` — commons-lang `StringUtils.substringAfterLast`. */
export function substringAfterLast(value: unknown, separator: unknown): string | null {
  if (value === null || value === undefined) return null;
  const [text, sep] = [javaToString(value), separatorOf('substringAfterLast', separator)];
  if (text === '' || sep === '') return sep === '' && text !== '' ? '' : text;
  const at = text.lastIndexOf(sep);
  return at < 0 || at === text.length - sep.length ? '' : text.slice(at + sep.length);
}

/** Pebble: `value | startsWith(value)`. */
export function startsWith(value: unknown, prefix: unknown): boolean {
  return javaToString(value).startsWith(javaToString(prefix));
}

/** Pebble: `value | endsWith(value)`. */
export function endsWith(value: unknown, suffix: unknown): boolean {
  return javaToString(value).endsWith(javaToString(suffix));
}

/**
 * Pebble: `value | replace(replace_pairs, regexp=false)` — every pair applied in order; with `regexp`, keys
 * are Java regexes and values Java replacements (`$1`). Lists and maps are replaced element-wise.
 */
export function replace(value: unknown, pairs: unknown, regexp = false): unknown {
  if (value === null || value === undefined) return null;
  if (pairs === null || typeof pairs !== 'object' || Array.isArray(pairs))
    throw new Error("replace: the argument 'replace_pairs' is required and must be a map");
  const entries = Object.entries(pairs as Record<string, unknown>).map(
    ([k, v]) => [k, javaToString(v)] as const,
  );
  return mapStrings(value, (text) =>
    entries.reduce(
      (data, [from, to]) => (regexp ? replaceAll(data, from, to, 'replace') : data.replaceAll(from, to)),
      text,
    ),
  );
}

/** Pebble: `value | split(delimiter, limit)` — Java's `String.split`: the delimiter is a regex. */
export function split(value: unknown, delimiter: unknown, limit?: unknown): string[] | null {
  if (value === null || value === undefined) return null;
  if (typeof delimiter !== 'string') throw new Error('split: missing delimiter parameter');
  const max = limit === undefined || limit === null ? 0 : integer('split', 'limit', limit);
  return splitJava(javaToString(value), delimiter, max, 'split');
}

/** Applies `fn` to a string, or to every leaf of a list or map (their non-strings as Java prints them). */
function mapStrings(value: unknown, fn: (text: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, fn));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)]));
  return fn(javaToString(value));
}

function separatorOf(name: string, separator: unknown): string {
  if (separator === undefined) throw new Error(`${name}: the filter expects an argument 'separator'`);
  return separator === null ? '' : javaToString(separator);
}

function integer(name: string, argument: string, value: unknown): number {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw new Error(`${name}: the '${argument}' argument must be an integer, got ${javaToString(value)}`);
}
