/** `parallel`: runs its tasks at the same time, `concurrent` at most. */
import { Type as T } from '@sinclair/typebox';
import { defineTask, TaskList } from '../../protocol/plugin.js';
import { flowableState } from '../../protocol/states.js';

export default defineTask({
  type: 'parallel',
  aliases: ['io.kestra.plugin.core.flow.Parallel', 'io.kestra.core.tasks.flows.Parallel'],
  title: 'Parallel',
  description:
    'Runs tasks concurrently. `concurrent` caps how many run at once (0, the default, means all). After a failure no new task starts; running ones finish.',
  properties: T.Object({
    tasks: TaskList({ minItems: 1 }),
    concurrent: T.Optional(T.Integer({ minimum: 0, default: 0 })),
  }),
  children: ['tasks'],
  examples: [
    {
      title: 'Two at once',
      code: '- id: both\n  type: parallel\n  tasks:\n    - id: a\n      type: shell\n      commands: [sleep 1]\n    - id: b\n      type: shell\n      commands: [sleep 1]',
    },
  ],
  async run(props, ctx) {
    const state = await ctx.runTasks(props.tasks, { concurrency: props.concurrent ?? 0 });
    return { state: flowableState(state) };
  },
});
