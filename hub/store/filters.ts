/** Filters shared by the lists: namespaces with their sub-namespaces, substring search, date bounds. */
import { eq, ilike, like, or, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { TernError } from '../../protocol/errors.js';

/** `column` is `namespace` or one of its sub-namespaces: `plant` matches `plant` and `plant.line1`, not `plant2`. */
export function inNamespace(column: AnyPgColumn, namespace: string): SQL | undefined {
  return or(eq(column, namespace), like(column, `${likeEscape(namespace)}.%`));
}

/** Case-insensitive substring match on any of `columns` (or expressions). */
export function containsText(columns: (AnyPgColumn | SQL)[], text: string): SQL | undefined {
  const pattern = `%${likeEscape(text)}%`;
  return or(...columns.map((c) => ilike(c, pattern)));
}

/** Escapes `%`, `_` and `\` so that `text` matches itself in a LIKE pattern. */
export function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** An ISO-8601 date given as a filter bound, checked. */
export function isoBound(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new TernError('BAD_REQUEST', `${name} must be an ISO-8601 date, got '${value}'`);
  return new Date(ms).toISOString();
}
