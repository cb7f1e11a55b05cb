/** Kestra's functions that read the render's own context: `fetchContext`, `printContext`, `currentEachOutput`, `tasksWithState` … */
import { randomInt as cryptoRandomInt, randomUUID } from 'node:crypto';
import { contextOf, type Frame, lookup, VARS } from './access.js';
import { fail } from './errors.js';
import { jsonText } from './json.js';
import { base62 } from './lib/ids.js';
import { type FunctionDef, fn, integerArg, type Runtime } from './library.js';
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

/**
 * Where the engine puts the values of the loop iterations a task runs in, outermost first (the keys
 * of `outputs.<id>` there): a symbol, so that no template can name it and `printContext` leaves it out.
 */
export const ITERATION_PATH = Symbol('iterationPath');

/**
 * The values of the iterations in progress, outermost first: the engine's {@link ITERATION_PATH};
 * without it, Kestra's walk — each of `parents` with a value, outermost first, then `taskrun.value`.
 */
function iterationValues(frame: Record<string | symbol, unknown>): unknown[] {
  const path = (frame[VARS] as Record<symbol, unknown> | undefined)?.[ITERATION_PATH];
  if (Array.isArray(path)) return path;
  const values: unknown[] = [];
  const parents = lookup(frame, 'parents');
  const chain = Array.isArray(parents) ? [...parents].reverse() : [lookup(frame, 'parent')];
  for (const parent of chain) {
    const run = isPlainObject(parent) ? parent.taskrun : undefined;
    if (isPlainObject(run) && run.value !== undefined && run.value !== null) values.push(run.value);
  }
  const taskrun = lookup(frame, 'taskrun');
  if (isPlainObject(taskrun) && taskrun.value !== undefined && taskrun.value !== null)
    values.push(taskrun.value);
  return values;
}

/**
 * Where a task's variables keep what `parentOutput()` and `outputFromIteration()` read: the outputs of
 * the task runs around it, which the engine alone can find. A symbol, so that no expression reads it.
 */
export const TASK_LINEAGE = Symbol('taskLineage');

/** The task runs around the one rendering, as the engine answers for it. */
export interface TaskLineage {
  /** The outputs of each enclosing flowable task run, nearest first (`{}` for one without outputs). */
  parentOutputs(): Record<string, unknown>[];
  /** The task's iteration in its loop, or null outside a loop. */
  iteration: number | null;
  /** The values of the iterations around the task, outermost first: how its outputs are keyed. */
  valuePath: readonly string[];
  /** The outputs of this task's run in iteration `index` of the same loop; undefined if it has not ended. */
  iterationOutputs(index: number): Record<string, unknown> | undefined;
}

function lineage(frame: Frame, fnName: string): TaskLineage {
  const vars = frame[VARS] as Record<symbol, unknown> | undefined;
  const found = vars?.[TASK_LINEAGE] as TaskLineage | undefined;
  return found ?? fail(`${fnName}() is only available in a task of a running execution`);
}

/**
 * Kestra's `parentOutput(index)`: the outputs of the flowable task around this one, or with `index`
 * those of the enclosing flowable at that depth counted from the outermost (0).
 */
function parentOutput(index: unknown, frame: Frame): unknown {
  const parents = lineage(frame, 'parentOutput').parentOutputs();
  if (index === undefined || index === null) {
    if (parents.length === 0) return fail('parentOutput(): this task is not inside a flowable task');
    return parents[0];
  }
  const depth = integerArg(index, 'parentOutput', Number.NaN);
  if (!Number.isInteger(depth) || depth < 0 || depth >= parents.length)
    return fail(
      `parentOutput(): invalid index ${toText(index)} for ${parents.length} enclosing flowable tasks`,
    );
  return parents[parents.length - 1 - depth];
}

/** Kestra's `outputFromIteration(index)`: the `value` output of this task in an earlier iteration of its loop. */
function outputFromIteration(index: unknown, frame: Frame): unknown {
  if (index === undefined || index === null)
    return fail("The 'outputFromIteration' function requires an argument named 'index'.");
  const wanted = integerArg(index, 'outputFromIteration', Number.NaN);
  if (!Number.isInteger(wanted))
    return fail(`outputFromIteration(): the index must be an integer, got ${toText(index)}`);
  if (wanted < 0)
    return fail(`outputFromIteration(): cannot fetch iteration ${wanted}: no previous iteration exists`);
  const around = lineage(frame, 'outputFromIteration');
  if (around.iteration === null) return fail('outputFromIteration(): this task is not inside a loop');
  if (wanted >= around.iteration)
    return fail(
      `outputFromIteration(): iteration ${wanted} is ${wanted === around.iteration ? 'the current one' : 'a later one'}, whose outputs do not exist yet`,
    );
  const outputs = around.iterationOutputs(wanted);
  if (!outputs) return fail(`outputFromIteration(): iteration ${wanted} has no outputs`);
  return outputs.value ?? null;
}

/**
 * Kestra's `iterationOutputs(iteration = previous, taskId = this task)`: the `value` output of that
 * task in that iteration (from 0) of the loop this task runs in, with Kestra's messages when there is none.
 */
function iterationOutputs(
  [iterationArg, taskIdArg]: unknown[],
  frame: Record<string | symbol, unknown>,
  rt: Runtime,
): unknown {
  const taskrun = lookup(frame, 'taskrun');
  const current = isPlainObject(taskrun) ? taskrun.iteration : undefined;
  if (typeof current !== 'number')
    return fail("'iterationOutputs()' function should be used inside iterative tasks only");
  let iteration = current - 1;
  if (iterationArg !== undefined && iterationArg !== null) {
    iteration = Number(toText(iterationArg));
    if (!Number.isInteger(iteration))
      return fail(
        `The 'iteration' argument for 'iterationOutputs' must be an integer, but got: ${toText(iterationArg)}`,
      );
  }
  if (iteration < 0) return fail(`Cannot fetch iteration ${iteration}: no previous iteration exists.`);
  const task = lookup(frame, 'task');
  const taskId =
    taskIdArg !== undefined && taskIdArg !== null
      ? toText(taskIdArg)
      : isPlainObject(task)
        ? toText(task.id)
        : '';
  const find = rt.fns?.iterationOutputs;
  if (!find)
    return fail('iterationOutputs() is only available while an execution runs: it reads its task runs');
  if (iteration >= current)
    return fail(
      iteration === current
        ? `The provided index (${iteration}) refers to the current iteration, whose outputs are not yet available at runtime.`
        : `The provided index (${iteration}) is out of range. It refers to a future iteration whose outputs do not exist yet.`,
    );
  const outer = iterationValues(frame).slice(0, -1);
  const outputs = find(taskId, outer, iteration);
  if (outputs === undefined)
    return fail(
      `The provided task with taskId = ${taskId} has no execution outputs for iteration ${iteration}`,
    );
  return outputs.value;
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
  ['parentOutput', fn(['index'], ([index], { frame }) => parentOutput(index, frame))],
  ['outputFromIteration', fn(['index'], ([index], { frame }) => outputFromIteration(index, frame))],
  ['printContext', fn([], (_args, { frame }) => jsonText(contextOf(frame)))],
  [
    'currentEachOutput',
    fn(['outputs'], ([outputs], { frame }) => {
      let value = outputs;
      const vars = frame[VARS] as Record<symbol, unknown> | undefined;
      const around = vars?.[TASK_LINEAGE] as TaskLineage | undefined;
      for (const key of around?.valuePath ?? iterationValues(frame)) {
        if (!isPlainObject(value) || !Object.hasOwn(value, toText(key))) break;
        value = value[toText(key)];
      }
      return value;
    }),
  ],
  [
    'iterationOutputs',
    fn(['iteration', 'taskId'], (args, { frame, rt }) => iterationOutputs(args, frame, rt)),
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
