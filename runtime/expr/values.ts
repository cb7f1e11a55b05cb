/** Value semantics shared by operators, filters and output: truthiness, text, equality, emptiness. */
import { isTruthy as protocolTruthy } from '../../protocol/values.js';
import { jsonText } from './json.js';
import { compareNumbers, isNumber, numberText, unmark } from './numbers.js';

/** True for `{}`-style objects (or null-prototype ones): the only maps expressions may look into. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Truthiness as Kestra's conditions see it (one definition, in protocol/), with marked doubles
 * read as their value.
 */
export function isTruthy(value: unknown): boolean {
  return protocolTruthy(unmark(value));
}

/**
 * A value as it appears inside text, as Pebble prints it in Kestra: null as nothing, numbers as
 * Java prints them (`3`, `3.0`, `1.0E7`), lists and maps as JSON.
 */
export function toText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (isNumber(value)) return numberText(value);
  if (value instanceof Date) return value.toISOString();
  return jsonText(value);
}

/** Pebble's `==`: numbers by value (`1 == 1.0`), lists and maps by content, everything else by identity. */
export function deepEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const aNull = a === null || a === undefined;
  const bNull = b === null || b === undefined;
  if (aNull || bNull) return aNull && bNull;
  if (isNumber(a)) return isNumber(b) && compareNumbers(a, b) === 0;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEquals(item, b[i]));
  }
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => Object.hasOwn(b, k) && deepEquals(a[k], b[k]));
  }
  return false;
}

/** Pebble's `empty` test: null, a blank string, an empty list or map. */
export function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  if (isPlainObject(value)) return Object.keys(value).length === 0;
  return false;
}

/** A short type name for error messages ("a string", "a list" …). */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a map';
  if (isNumber(value)) return 'a number';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
