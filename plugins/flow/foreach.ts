/** `foreach`: runs its tasks once per value, `concurrencyLimit` iterations at a time. */
import { Type as T } from '@sinclair/typebox';
import { forEachLimit } from '../../protocol/concurrency.js';
import { TaskError } from '../../protocol/errors.js';
import { defineTask, TaskList } from '../../protocol/plugin.js';
import { flowableState, isFailure, mergeStates, type State } from '../../protocol/states.js';
import { asKey } from '../../protocol/values.js';

export default defineTask({
  type: 'foreach',
  aliases: [
    'io.kestra.plugin.core.flow.ForEach',
    'io.kestra.plugin.core.flow.EachSequential',
    'io.kestra.plugin.core.flow.EachParallel',
  ],
  title: 'For each',
  description:
    'Runs `tasks` for every value of `values` (a list, or a JSON list as text). Inside, `taskrun.value` and `taskrun.iteration` describe the iteration, and outputs are keyed by value: `outputs.<taskId>[value]`. `concurrencyLimit` iterations run at once (1 by default; 0 means all).',
  properties: T.Object({
    values: T.Unknown({ description: 'List of values, or a JSON array as a string' }),
    concurrencyLimit: T.Optional(T.Integer({ minimum: 0, default: 1 })),
    tasks: TaskList({ minItems: 1 }),
  }),
  children: ['tasks'],
  examples: [
    {
      title: 'One task per site',
      code: '- id: each\n  type: foreach\n  values: [north, south]\n  tasks:\n    - id: hello\n      type: log\n      message: "{{ taskrun.value }}"',
    },
  ],
  async run(props, ctx) {
    const values = toList(props.values);
    const states: State[] = [];
    await forEachLimit(values, props.concurrencyLimit ?? 1, async (value, iteration) => {
      const state = await ctx.runTasks(props.tasks, { value: asKey(value), iteration });
      states.push(state);
      return isFailure(state);
    });
    return { state: flowableState(mergeStates(states)) };
  },
});

function toList(values: unknown): unknown[] {
  if (Array.isArray(values)) return values;
  if (typeof values === 'string') {
    try {
      const parsed: unknown = JSON.parse(values);
      if (Array.isArray(parsed)) return parsed;
    } catch {
      // fall through to the error below
    }
  }
  throw new TaskError(`values must be a list or a JSON list, got ${JSON.stringify(values)}`, false);
}
