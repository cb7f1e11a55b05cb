/** Pebble's tests (`is null`, `is empty` …) and Kestra's `json`. `defined` is the compiler's: it sees missing values. */
import { parseJson } from './json.js';
import type { TestDef } from './library.js';
import { isDouble, isNumber, toJsNumber } from './numbers.js';
import { isEmpty, isPlainObject } from './values.js';

const isNull = (value: unknown) => value === null || value === undefined;

function isEven(value: unknown): boolean {
  return isNumber(value) && !isDouble(value) && toJsNumber(value) % 2 === 0;
}

function isJson(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    parseJson(value);
    return true;
  } catch {
    return false;
  }
}

const test = (run: (value: unknown) => boolean): TestDef => ({ params: [], run });

/** Tests, by name. */
export const TESTS: ReadonlyMap<string, TestDef> = new Map<string, TestDef>([
  ['null', test(isNull)],
  ['none', test(isNull)],
  ['empty', test(isEmpty)],
  ['even', test(isEven)],
  ['odd', test((value) => isNumber(value) && !isDouble(value) && !isEven(value))],
  ['iterable', test((value) => Array.isArray(value) || isPlainObject(value))],
  ['map', test(isPlainObject)],
  ['json', test(isJson)],
]);
