/** Expression functions (`now()`, `secret()`, `kv()` …) and tests (`is null`, `is empty` …). */
import { randomUUID } from 'node:crypto';
import { activeBudget } from './budget.js';
import { toDateTime } from './dates.js';
import { fail } from './errors.js';
import { isEmpty, isPlainObject } from './values.js';

/** What expressions may reach outside the render context: secrets and the KV store. */
export interface ExpressionFunctions {
  /** secret('NAME') */
  secret(name: string): string | undefined;
  /** kv('key') — and kv('key', 'namespace') */
  kv(key: string, namespace?: string): unknown;
  /** Namespace files and internal-storage files (`read()`, `fileExists()` …); absent where there are none. */
  files?: {
    /** The file's text; `path` is a namespace file path or a kestra:/// or tern:/// URI. Throws if missing. */
    read(path: string): string;
    exists(path: string): boolean;
    /** Size in bytes. Throws if missing. */
    size(path: string): number;
  };
}

/** Per-render state the functions see. */
export interface Runtime {
  readonly fns: ExpressionFunctions | undefined;
  /** Secret values read during this render, masked out of error messages. */
  readonly secrets: string[];
}

/** A function body: positional arguments, named arguments (`now(timeZone='UTC')`), the runtime. */
export type ExpressionFunction = (args: unknown[], named: Record<string, unknown>, rt: Runtime) => unknown;

/** Upper bound on `range()` and `a..b`, so that a typo cannot allocate the machine away. */
export const MAX_RANGE = 100_000;

/** Inclusive integer range, as Pebble's `range(a, b, step)` and `a..b`. */
export function range(start: unknown, end: unknown, step: unknown = 1): number[] {
  if (typeof start !== 'number' || typeof end !== 'number' || typeof step !== 'number') {
    return fail('range needs numbers');
  }
  if (step === 0) return fail('range step cannot be 0');
  const count = Math.floor((end - start) / step) + 1;
  if (count > MAX_RANGE) return fail(`range of ${count} items is larger than ${MAX_RANGE}`);
  if (count > 0) activeBudget()?.iterate(count);
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(start + i * step);
  return out;
}

function name(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') return fail(`${what} needs a name`);
  return value;
}

function parseJson(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') return fail('fromJson needs a string');
  try {
    return JSON.parse(value);
  } catch (err) {
    return fail(`fromJson: invalid JSON (${(err as Error).message})`);
  }
}

function numbers(args: unknown[], what: string): number[] {
  const list = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
  if (list.length === 0 || !list.every((x) => typeof x === 'number')) return fail(`${what} needs numbers`);
  return list as number[];
}

/** The functions expressions may call, by name. Nothing else is callable. */
export const FUNCTIONS: ReadonlyMap<string, ExpressionFunction> = new Map<string, ExpressionFunction>([
  [
    'now',
    (_args, named) => {
      const zone = named.timeZone;
      if (zone === undefined) return new Date().toISOString();
      return toDateTime(Date.now(), String(zone)).toISO();
    },
  ],
  [
    'secret',
    ([key], _named, rt) => {
      const secretName = name(key, 'secret()');
      if (!rt.fns) return fail(`secret '${secretName}' is not available: no secret source is configured`);
      const value = rt.fns.secret(secretName);
      if (value === undefined) return fail(`secret '${secretName}' is not defined`);
      rt.secrets.push(value);
      return value;
    },
  ],
  [
    'kv',
    ([key, namespace], named, rt) => {
      const keyName = name(key, 'kv()');
      const ns = namespace ?? named.namespace;
      if (!rt.fns) return fail(`kv key '${keyName}' is not available: no KV store is configured`);
      const value = rt.fns.kv(keyName, ns === undefined || ns === null ? undefined : String(ns));
      if (value !== undefined) return value;
      if (named.errorOnMissing === false) return null;
      return fail(`kv key '${keyName}' does not exist${ns ? ` in namespace '${String(ns)}'` : ''}`);
    },
  ],
  ['fromJson', ([text]) => parseJson(text)],
  ['json', ([text]) => parseJson(text)],
  ['uuid', () => randomUUID()],
  ['range', ([start, end, step]) => range(start, end, step)],
  ['max', (args) => Math.max(...numbers(args, 'max()'))],
  ['min', (args) => Math.min(...numbers(args, 'min()'))],
]);

/** A test body: `value is name(args)`. `defined` is handled by the evaluator, which sees missing values. */
export type ExpressionTest = (value: unknown, args: unknown[]) => boolean;

const isNull: ExpressionTest = (value) => value === null || value === undefined;

/** Pebble's tests, by name. */
export const TESTS: ReadonlyMap<string, ExpressionTest> = new Map<string, ExpressionTest>([
  ['null', isNull],
  ['none', isNull],
  ['empty', (value) => isEmpty(value)],
  ['even', (value) => typeof value === 'number' && value % 2 === 0],
  ['odd', (value) => typeof value === 'number' && Math.abs(value % 2) === 1],
  ['iterable', (value) => Array.isArray(value) || isPlainObject(value)],
  ['map', (value) => isPlainObject(value)],
]);

/** Names accepted after `is`, for validation. */
export const TEST_NAMES: ReadonlySet<string> = new Set([...TESTS.keys(), 'defined']);
