/** Kestra's functions that read the render's own context: `fetchContext`, `printContext`, `currentEachOutput`, `tasksWithState` … */
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

/**
 * Kestra's `tasksWithState(state = 'FAILED')`: the task runs of the `tasks` variable in that state, as
 * `{taskId, state}`, with `value` for a run of a loop iteration (its value; `"state"` when an iteration's
 * value is itself `state`, as Kestra gives it).
 */
function tasksWithState(state: unknown, frame: Record<string | symbol, unknown>): unknown {
  if (state === null) return fail("The 'tasksWithState' function expects an argument 'state'.");
  const wanted = state === undefined ? 'FAILED' : toText(state).toUpperCase();
  const tasks = lookup(frame, 'tasks');
  const found: Record<string, unknown>[] = [];
  if (!isPlainObject(tasks)) return found;
  for (const [taskId, entry] of Object.entries(tasks)) {
    if (!isPlainObject(entry)) continue;
    for (const [key, value] of Object.entries(entry)) {
      const nested = isPlainObject(value);
      const current = nested ? value.state : value;
      if (typeof current !== 'string' || current.toUpperCase() !== wanted) continue;
      if (key === 'state')
        found.push(nested ? { taskId, state: wanted, value: 'state' } : { taskId, state: wanted });
      else if (nested) found.push({ taskId, state: wanted, value: key });
    }
  }
  return found;
}

/** The value of the iteration in progress, outermost first: `parent.taskrun.value`, `taskrun.value`. */
function iterationValues(frame: Record<string | symbol, unknown>): unknown[] {
  const values: unknown[] = [];
  // `parents` lists every enclosing iteration, nearest first; without it, `parent` alone.
  const listed = lookup(frame, 'parents');
  const parents = Array.isArray(listed) ? [...listed].reverse() : [lookup(frame, 'parent')];
  for (const parent of parents) {
    const parentRun = isPlainObject(parent) ? parent.taskrun : undefined;
    if (isPlainObject(parentRun) && parentRun.value !== undefined && parentRun.value !== null)
      values.push(parentRun.value);
  }
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
  ['tasksWithState', fn(['state'], ([state], { frame }) => tasksWithState(state, frame))],
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
