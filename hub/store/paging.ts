/** Keyset pagination: page limits and opaque cursors (base64url JSON of the last row's sort key). */
import { TernError } from '../../protocol/errors.js';

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 500;

/** The page size asked for, checked: an integer from 1 to 500, 50 when absent. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new TernError('BAD_REQUEST', `limit must be an integer from 1 to ${MAX_PAGE_LIMIT}, got ${limit}`);
  }
  return limit;
}

type KeyPart = string | number;

/**
 * Encodes the sort key of a page's last row. `kind` names the list, so that a
 * cursor from one list is refused by another instead of silently misread.
 *
 * @example encodeCursor('flows', ['plant1', 'read-sensors']) // 'WyJmbG93cyIsInBsYW50MSIsInJlYWQtc2Vuc29ycyJd'
 */
export function encodeCursor(kind: string, key: readonly KeyPart[]): string {
  return Buffer.from(JSON.stringify([kind, ...key])).toString('base64url');
}

/**
 * Decodes a cursor made by {@link encodeCursor} for the same `kind`, checking
 * each key part's type against `shape`; anything else is a BAD_REQUEST.
 */
export function decodeCursor<const S extends readonly ('string' | 'number')[]>(
  kind: string,
  cursor: string,
  shape: S,
): { [I in keyof S]: S[I] extends 'number' ? number : string } {
  const invalid = () => new TernError('BAD_REQUEST', 'invalid cursor');
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== shape.length + 1 || parsed[0] !== kind) throw invalid();
  const key = parsed.slice(1);
  key.forEach((part, i) => {
    const type = shape[i];
    if (typeof part !== type) throw invalid();
    // NUL cannot be in a text column, so no row has it: a query with it would fail, not find nothing.
    if (type === 'number' ? !Number.isSafeInteger(part) : (part as string).includes('\0')) throw invalid();
  });
  return key as { [I in keyof S]: S[I] extends 'number' ? number : string };
}

/**
 * Splits a fetch of `limit + 1` rows into the page and the cursor of the next
 * one: the extra row only tells that there is more.
 */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  item: (row: R) => T,
  cursorOf: (row: R) => string,
): { items: T[]; nextCursor?: string } {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const last = pageRows.at(-1);
  const items = pageRows.map(item);
  return more && last !== undefined ? { items, nextCursor: cursorOf(last) } : { items };
}
