/** `allowFailure`: runs its tasks and turns their failure into a warning. */
import { Type as T } from '@sinclair/typebox';
import { defineTask, TaskList } from '../../protocol/plugin.js';
import { isFailure } from '../../protocol/states.js';

export default defineTask({
  type: 'allowFailure',
  aliases: ['io.kestra.plugin.core.flow.AllowFailure', 'io.kestra.core.tasks.flows.AllowFailure'],
  title: 'Allow failure',
  description: 'Runs tasks in order; if one fails, this task ends in WARNING and the flow carries on.',
  properties: T.Object({ tasks: TaskList({ minItems: 1 }) }),
  children: ['tasks'],
  examples: [
    {
      title: 'Best effort',
      code: "- id: optional\n  type: allowFailure\n  tasks:\n    - id: flaky\n      type: shell\n      commands: ['exit 1']",
    },
  ],
  async run(props, ctx) {
    const state = await ctx.runTasks(props.tasks);
    return { state: isFailure(state) || state === 'WARNING' ? 'WARNING' : 'SUCCESS' };
  },
});
