/** Kestra's functions that read the render's own context: `fetchContext`, `printContext`, `currentEachOutput`, `fileURI` … */
import { randomInt as cryptoRandomInt, randomUUID } from 'node:crypto';
import { contextOf, lookup } from './access.js';
import { fail } from './errors.js';
import { jsonText } from './json.js';
import { base62 } from './lib/ids.js';
import { type FunctionDef, fn, integerArg } from './library.js';
import { isPlainObject, toText } from './values.js';

/** Kestra's short ids: a random UUID's 128 bits in base 62 (22 characters). */
const shortId = (): string => base62(BigInt(`0x${randomUUID().replace(/-/g, '')}`), 22);

/** Kestra's `env(name, default)`: the process's `envs` entry, or `default` when it is missing or empty. */
function env([name, fallback]: unknown[], frame: Record<string | symbol, unknown>): unknown {
  if (name === undefined) return fail("The 'env' function expects an argument 'name'.");
  const envs = lookup(frame, 'envs');
  const value = isPlainObject(envs) ? envs[toText(name)] : undefined;
  return value === undefined || value === null || toText(value) === '' ? (fallback ?? null) : value;
}

/** The value of the iteration in progress, outermost first: `parent.taskrun.value`, `taskrun.value`. */
function iterationValues(frame: Record<string | symbol, unknown>): unknown[] {
  const values: unknown[] = [];
  const parent = lookup(frame, 'parent');
  const parentRun = isPlainObject(parent) ? parent.taskrun : undefined;
  if (isPlainObject(parentRun) && parentRun.value !== undefined && parentRun.value !== null)
    values.push(parentRun.value);
  const taskrun = lookup(frame, 'taskrun');
  if (isPlainObject(taskrun) && taskrun.value !== undefined && taskrun.value !== null)
    values.push(taskrun.value);
  return values;
}

/** Functions over the render's context, by name. */
export const CONTEXT_FUNCTIONS: [string, FunctionDef][] = [
  ['id', fn([], () => shortId())],
  ['env', fn(['name', 'default'], (args, { frame }) => env(args, frame))],
  [
    'randomInt',
    fn(['lower', 'upper'], ([lower, upper]) => {
      const [from, to] = [integerArg(lower, 'randomInt', 0), integerArg(upper, 'randomInt', Number.NaN)];
      if (!(to > from)) return fail('randomInt needs a lower bound below its upper bound');
      return cryptoRandomInt(from, to);
    }),
  ],
  ['fetchContext', fn([], (_args, { frame }) => contextOf(frame))],
  ['printContext', fn([], (_args, { frame }) => jsonText(contextOf(frame)))],
  [
    'currentEachOutput',
    fn(['outputs'], ([outputs], { frame }) => {
      let value = outputs;
      for (const key of iterationValues(frame)) {
        if (!isPlainObject(value) || !Object.hasOwn(value, toText(key))) break;
        value = value[toText(key)];
      }
      return value;
    }),
  ],
  [
    'errorLogs',
    fn(
      [],
      (_args, { rt }) =>
        rt.fns?.errorLogs?.() ??
        fail('errorLogs() is only available while an execution runs: it reads its logs'),
    ),
  ],
];
