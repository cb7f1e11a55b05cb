/** `parallel`: runs its tasks at the same time, `concurrent` at most. */
import { Type as T } from '@sinclair/typebox';
import { forEachLimit } from '../../protocol/concurrency.js';
import type { Task } from '../../protocol/flow.js';
import { defineTask, type TaskContext, TaskList } from '../../protocol/plugin.js';
import { flowableState, isFailure, mergeStates, type State } from '../../protocol/states.js';

export default defineTask({
  type: 'parallel',
  aliases: ['io.kestra.plugin.core.flow.Parallel', 'io.kestra.core.tasks.flows.Parallel'],
  title: 'Parallel',
  description:
    'Runs tasks concurrently. `concurrent` caps how many run at once (0, the default, means all). After a failure no new task starts; ' +
    'running ones finish, unless `failFast` is true: then they are stopped and end KILLED. A task with `allowFailure` does not count as a failure.',
  properties: T.Object({
    tasks: TaskList({ minItems: 1 }),
    concurrent: T.Optional(T.Integer({ minimum: 0, default: 0 })),
    failFast: T.Optional(
      T.Boolean({
        default: false,
        description: 'Stop the tasks still running as soon as one fails; they end KILLED',
      }),
    ),
  }),
  children: ['tasks'],
  examples: [
    {
      title: 'Two at once',
      code: '- id: both\n  type: parallel\n  tasks:\n    - id: a\n      type: shell\n      commands: [sleep 1]\n    - id: b\n      type: shell\n      commands: [sleep 1]',
    },
  ],
  async run(props, ctx) {
    const concurrency = props.concurrent ?? 0;
    const state = props.failFast
      ? await runFailFast(ctx, props.tasks, concurrency)
      : await ctx.runTasks(props.tasks, { concurrency });
    return { state: flowableState(state) };
  },
});

/** Runs the tasks `limit` at a time; the first failure stops the others still running. */
async function runFailFast(ctx: TaskContext, tasks: readonly Task[], limit: number): Promise<State> {
  const stop = new AbortController();
  const options = {
    interrupt: {
      signal: stop.signal,
      state: 'KILLED' as const,
      reason: 'stopped: another task of the parallel failed (failFast)',
    },
  };
  const states: State[] = [];
  await forEachLimit(tasks, limit, async (task) => {
    if (stop.signal.aborted) return true;
    const state = await ctx.runTasks([task], options);
    states.push(state);
    if (!isFailure(state) || stop.signal.aborted) return stop.signal.aborted;
    stop.abort();
    return true;
  });
  return mergeStates(states);
}
