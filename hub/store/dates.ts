/** Dates the hub's tables can hold: ISO-8601 text PostgreSQL reads back as the same instant. */

/**
 * True for a date string `Date.parse` reads with a year from 1 to 9999. Outside those years
 * `toISOString` writes forms (`+010000-…`, `0000-…`) that PostgreSQL refuses, and one such date would
 * fail the whole write it travels in.
 *
 * @example isStorableDate('2025-01-01T00:00:00Z') // true
 * @example isStorableDate('+275760-09-13T00:00:00Z') // false
 */
export function isStorableDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const ms = Date.parse(value);
  return ms >= FIRST_STORABLE_MS && ms <= LAST_STORABLE_MS;
}

/** 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z. */
const FIRST_STORABLE_MS = -62_135_596_800_000;
export const LAST_STORABLE_MS = 253_402_300_799_999;

/** Throws a TypeError naming `what` unless {@link isStorableDate}. */
export function checkStorableDate(value: string, what: string): void {
  if (!isStorableDate(value))
    throw new TypeError(`${what} is not an ISO-8601 date in the years 1 to 9999: '${value}'`);
}

/** The largest value of a PostgreSQL `integer` column (flow revisions, attempts). */
export const MAX_INT32 = 2 ** 31 - 1;

/** True for an integer a PostgreSQL `integer` column holds. */
export function isInt32(value: unknown): value is number {
  return Number.isInteger(value) && Math.abs(value as number) <= MAX_INT32;
}
