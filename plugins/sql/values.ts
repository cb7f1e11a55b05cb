/** Values across the driver boundary: flow values to bind, and row values back to plain JSON outputs. */
import type { Dialect } from './connection.js';

/** A row as a task output: column name → JSON value. */
export type Row = Record<string, unknown>;

/**
 * A flow value as a driver binds it: maps and lists as JSON text, booleans
 * as 1/0 for SQLite (which has no boolean), missing values as NULL.
 */
export function bindValue(value: unknown, dialect: Dialect): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return dialect === 'sqlite' ? Number(value) : value;
  if (typeof value === 'object' && !(value instanceof Date) && !(value instanceof Uint8Array)) {
    return JSON.stringify(value);
  }
  return value;
}

/**
 * A value read from a driver as JSON: big integers as numbers when exact
 * (else as text), dates as ISO-8601 text, binary as base64.
 */
export function jsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') {
    const number = Number(value);
    return Number.isSafeInteger(number) ? number : value.toString();
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(jsonValue);
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonValue(v)]));
  }
  return value;
}

/** A driver's row as an output row. */
export const jsonRow = (row: object): Row => jsonValue({ ...row }) as Row;
