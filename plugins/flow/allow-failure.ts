/** `allowFailure`: runs its tasks and turns their failure into a warning. */
import { Type as T } from '@sinclair/typebox';
import { defineTask, TaskList } from '../../protocol/plugin.js';
import { isFailure } from '../../protocol/states.js';

export default defineTask({
  type: 'allowFailure',
  aliases: ['io.kestra.plugin.core.flow.AllowFailure', 'io.kestra.core.tasks.flows.AllowFailure'],
  title: 'Allow failure',
  description:
    'Runs tasks in order; if one fails, its `errors` run, then this task ends in WARNING and the flow carries on.',
  properties: T.Object({ tasks: TaskList({ minItems: 1 }), errors: T.Optional(TaskList()) }),
  children: ['tasks', 'errors'],
  examples: [
    {
      title: 'Best effort',
      code: "- id: optional\n  type: allowFailure\n  tasks:\n    - id: flaky\n      type: shell\n      commands: ['exit 1']",
    },
  ],
  async run(props, ctx) {
    const state = await ctx.runTasks(props.tasks);
    // As in Kestra, the failure still runs the task's own `errors`; whatever they end in, the task warns.
    if (isFailure(state) && props.errors?.length) await ctx.runTasks(props.errors);
    return { state: isFailure(state) || state === 'WARNING' ? 'WARNING' : 'SUCCESS' };
  },
});
