/** `eachSequential`: Kestra's older loop, one iteration after another over `value`. */
import { Type as T } from '@sinclair/typebox';
import { defineTask, TaskList } from '../../protocol/plugin.js';
import { eachValues, runEach } from './each-values.js';

export default defineTask({
  type: 'eachSequential',
  aliases: ['io.kestra.plugin.core.flow.EachSequential', 'io.kestra.core.tasks.flows.EachSequential'],
  title: 'Each (sequential)',
  description:
    'Runs `tasks` once per item of `value`, one iteration after another, stopping at the first failed iteration; `errors` run then. `value` is a list, a JSON list as text, or an expression rendering to either. Inside, `taskrun.value` is the item as text (a map or list item as JSON text) and `taskrun.iteration` its index; outputs are keyed by value: `outputs.<taskId>[value]`.',
  properties: T.Object({
    value: T.Unknown({ description: 'List of values, or a JSON array as a string' }),
    tasks: TaskList({ minItems: 1 }),
    errors: T.Optional(TaskList()),
  }),
  children: ['tasks', 'errors'],
  examples: [
    {
      title: 'Items given as JSON text',
      code: '- id: each\n  type: io.kestra.plugin.core.flow.EachSequential\n  value: \'[{"site": "north"}, {"site": "south"}]\'\n  tasks:\n    - id: hello\n      type: log\n      message: "{{ json(taskrun.value).site }}"',
    },
  ],
  run: (props, ctx) => runEach(ctx, eachValues(props.value, 'value'), props.tasks, 1, props.errors),
});
