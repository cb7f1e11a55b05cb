/**
 * Named parameters (`:name`) turned into the driver's positional ones, so
 * that values are always bound by the driver and never written into the SQL.
 */
import { TaskError } from '../../protocol/errors.js';
import type { Dialect } from './connection.js';

/** SQL text and the values bound to its placeholders, in order. */
export interface Statement {
  text: string;
  values: unknown[];
}

const IDENTIFIER_START = /[A-Za-z_]/;
const IDENTIFIER_PART = /[A-Za-z0-9_]/;

/** Index just past the quoted section that starts at `start` with `quote`; a doubled quote stays inside. */
function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === '\\') i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  return i;
}

/** Index just past a dollar-quoted string (`$$…$$`, `$tag$…$tag$`) at `start`, or -1 if none starts there. */
function skipDollarQuoted(sql: string, start: number): number {
  const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(start))?.[0];
  if (!tag) return -1;
  const end = sql.indexOf(tag, start + tag.length);
  return end === -1 ? sql.length : end + tag.length;
}

/** Index just past the string literal, quoted identifier or comment at `i`, or `i` when none starts there. */
function skipNonCode(sql: string, i: number, dialect: Dialect): number {
  const c = sql[i] ?? '';
  const next = sql[i + 1];
  const previous = sql[i - 1] ?? '';
  if (c === "'") {
    // PostgreSQL's E'…' strings take backslash escapes; MySQL's strings always do.
    const escapeString =
      dialect === 'postgres' && /[eE]/.test(previous) && !IDENTIFIER_PART.test(sql[i - 2] ?? '');
    return skipQuoted(sql, i, c, dialect === 'mysql' || escapeString);
  }
  if (c === '"') return skipQuoted(sql, i, c, dialect === 'mysql');
  if (c === '`' && dialect !== 'postgres') return skipQuoted(sql, i, c, false);
  if (c === '[' && dialect === 'sqlite') return skipQuoted(sql, i, ']', false);
  if ((c === '-' && next === '-') || (c === '#' && dialect === 'mysql')) {
    const end = sql.indexOf('\n', i);
    return end === -1 ? sql.length : end + 1;
  }
  if (c === '/' && next === '*') {
    const end = sql.indexOf('*/', i + 2);
    return end === -1 ? sql.length : end + 2;
  }
  if (c === '$' && dialect === 'postgres' && !IDENTIFIER_PART.test(previous)) {
    const end = skipDollarQuoted(sql, i);
    if (end !== -1) return end;
  }
  return i;
}

/**
 * Rewrites each `:name` of `sql` to a positional placeholder (`$1` for
 * PostgreSQL, `?` otherwise) and lists the values to bind. Names inside
 * string literals, quoted identifiers and comments, and PostgreSQL's `::`
 * casts, are left alone. A name missing from `params` fails the task.
 *
 * @example
 * bindNamed('select * from t where a = :a and b = :a', { a: 1 }, 'postgres')
 * // { text: 'select * from t where a = $1 and b = $1', values: [1] }
 */
export function bindNamed(sql: string, params: Record<string, unknown>, dialect: Dialect): Statement {
  let text = '';
  const values: unknown[] = [];
  const numbers = new Map<string, number>();
  let i = 0;
  while (i < sql.length) {
    const skipped = skipNonCode(sql, i, dialect);
    if (skipped > i) {
      text += sql.slice(i, skipped);
      i = skipped;
      continue;
    }
    const c = sql[i] ?? '';
    if (c === ':' && sql[i + 1] === ':') {
      text += '::';
      i += 2;
      continue;
    }
    if (c !== ':' || !IDENTIFIER_START.test(sql[i + 1] ?? '')) {
      text += c;
      i++;
      continue;
    }
    let end = i + 2;
    while (end < sql.length && IDENTIFIER_PART.test(sql[end] ?? '')) end++;
    const name = sql.slice(i + 1, end);
    if (!Object.hasOwn(params, name)) {
      throw new TaskError(`sql uses :${name}, which is not among the parameters`, false);
    }
    if (dialect === 'postgres') {
      let number = numbers.get(name);
      if (number === undefined) {
        values.push(params[name]);
        number = values.length;
        numbers.set(name, number);
      }
      text += `$${number}`;
    } else {
      values.push(params[name]);
      text += '?';
    }
    i = end;
  }
  return { text, values };
}

/**
 * The statement to run: `sql` as written with a list of `parameters` (the
 * driver's own placeholders: `$1` for PostgreSQL, `?` otherwise), or with a
 * map of them, named `:name` in the SQL.
 */
export function statement(
  sql: string,
  parameters: readonly unknown[] | Record<string, unknown> | undefined,
  dialect: Dialect,
): Statement {
  if (parameters === undefined) return { text: sql, values: [] };
  if (Array.isArray(parameters)) return { text: sql, values: [...parameters] };
  return bindNamed(sql, parameters as Record<string, unknown>, dialect);
}
