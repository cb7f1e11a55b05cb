/** `switch`: runs the case matching a value, or `defaults`. */
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { defineTask, TaskList } from '../../protocol/plugin.js';
import { flowableState } from '../../protocol/states.js';
import { asKey } from '../../protocol/values.js';

export default defineTask({
  type: 'switch',
  aliases: ['io.kestra.plugin.core.flow.Switch', 'io.kestra.core.tasks.flows.Switch'],
  title: 'Switch',
  description:
    'Renders `value` and runs the tasks of the matching `cases` entry, or `defaults` when none matches. ' +
    'With no matching case and no `defaults` there is nothing to run, and the task fails (as in Kestra).',
  properties: T.Object({
    value: T.Unknown({ description: 'Expression whose result selects the case' }),
    cases: T.Optional(T.Record(T.String(), TaskList())),
    defaults: T.Optional(TaskList()),
  }),
  children: ['cases', 'defaults'],
  outputs: T.Object({ value: T.String(), defaults: T.Boolean() }),
  examples: [
    {
      title: 'Route by kind',
      code: '- id: route\n  type: switch\n  value: "{{ inputs.kind }}"\n  cases:\n    A:\n      - id: a\n        type: log\n        message: got A\n  defaults:\n    - id: other\n      type: log\n      message: something else',
    },
  ],
  async run(props, ctx) {
    const value = asKey(props.value);
    const cases = props.cases ?? {};
    const matched = Object.hasOwn(cases, value) ? cases[value] : undefined;
    const tasks = matched ?? props.defaults;
    const outputs = { value, defaults: matched === undefined };
    if (!tasks?.length)
      throw new TaskError(`no case matches the value '${value}' and there are no defaults to run`, false);
    const state = await ctx.runTasks(tasks);
    return { state: flowableState(state), outputs };
  },
});
