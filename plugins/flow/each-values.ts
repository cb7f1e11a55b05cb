/** What `foreach`, `eachSequential` and `eachParallel` share: reading the values and running one iteration per value. */
import { forEachLimit } from '../../protocol/concurrency.js';
import { TaskError } from '../../protocol/errors.js';
import type { Task } from '../../protocol/flow.js';
import type { TaskContext } from '../../protocol/plugin.js';
import { flowableState, isFailure, mergeStates, type State } from '../../protocol/states.js';
import { asKey, javaToString } from '../../protocol/values.js';

/**
 * The values to iterate over, as Kestra reads them: a list, or text holding a
 * JSON list (what an expression such as `{{ outputs.x.body }}` renders to).
 *
 * @example eachValues('["a", {"b": 1}]', 'value') // ['a', {b: 1}]
 */
export function eachValues(values: unknown, property: string): unknown[] {
  const list = valueList(values, property);
  // Kestra refuses a null item rather than running an iteration with no value; its message, word for word.
  const nulls = list.filter((v) => v === null || v === undefined).length;
  if (nulls > 0)
    throw new TaskError(`Found '${nulls}' null values on Each, with values=${javaToString(list)}`, false);
  return list;
}

function valueList(values: unknown, property: string): unknown[] {
  if (Array.isArray(values)) return values;
  if (typeof values === 'string') {
    try {
      const parsed: unknown = JSON.parse(values);
      if (Array.isArray(parsed)) return parsed;
    } catch {
      // fall through to the error below
    }
  }
  throw new TaskError(`${property} must be a list or a JSON list, got ${JSON.stringify(values)}`, false);
}

/**
 * Runs `tasks` once per value, `concurrency` iterations at a time (0: all),
 * then `errors` if an iteration failed. Each iteration's `taskrun.value` is
 * the value as text (maps and lists as JSON, as Kestra gives them). No
 * iteration starts after a failed one; with `onFailure` FAIL (Kestra's
 * `childFailurePolicy: FAIL`) the running ones are stopped too, ending FAILED.
 */
export async function runEach(
  ctx: TaskContext,
  values: readonly unknown[],
  tasks: readonly Task[],
  concurrency: number,
  errors?: readonly Task[],
  onFailure: 'STOP' | 'FAIL' = 'STOP',
): Promise<{ state: 'SUCCESS' | 'WARNING' | 'FAILED' }> {
  const states: State[] = [];
  const stopOthers = new AbortController();
  const interrupt =
    onFailure === 'FAIL'
      ? {
          signal: stopOthers.signal,
          state: 'FAILED' as const,
          reason: 'stopped: another iteration failed (childFailurePolicy: FAIL)',
        }
      : undefined;
  await forEachLimit(values, concurrency, async (value, iteration) => {
    const state = await ctx.runTasks(tasks, { value: asKey(value), iteration, interrupt });
    states.push(state);
    if (isFailure(state)) stopOthers.abort();
    return isFailure(state);
  });
  const merged = mergeStates(states);
  if (isFailure(merged) && errors?.length) await ctx.runTasks(errors);
  return { state: flowableState(merged) };
}
