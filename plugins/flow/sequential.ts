/** `sequential`: runs its tasks one after another. */
import { Type as T } from '@sinclair/typebox';
import { defineTask, TaskList } from '../../protocol/plugin.js';
import { flowableState, isFailure } from '../../protocol/states.js';

export default defineTask({
  type: 'sequential',
  aliases: ['io.kestra.plugin.core.flow.Sequential', 'io.kestra.core.tasks.flows.Sequential'],
  title: 'Sequential',
  description: 'Runs tasks one after another, stopping at the first failure; `errors` run if one fails.',
  properties: T.Object({
    tasks: TaskList({ minItems: 1 }),
    errors: T.Optional(TaskList()),
  }),
  children: ['tasks', 'errors'],
  examples: [
    {
      title: 'Group two steps',
      code: '- id: steps\n  type: sequential\n  tasks:\n    - id: a\n      type: log\n      message: a\n    - id: b\n      type: log\n      message: b',
    },
  ],
  async run(props, ctx) {
    const state = await ctx.runTasks(props.tasks);
    if (isFailure(state) && props.errors?.length) await ctx.runTasks(props.errors);
    return { state: flowableState(state) };
  },
});
