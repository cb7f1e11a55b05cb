/** `eachParallel`: Kestra's older loop, iterations over `value` at the same time. */
import { Type as T } from '@sinclair/typebox';
import { defineTask, TaskList } from '../../protocol/plugin.js';
import { eachValues, runEach } from './each-values.js';

export default defineTask({
  type: 'eachParallel',
  aliases: ['io.kestra.plugin.core.flow.EachParallel', 'io.kestra.core.tasks.flows.EachParallel'],
  title: 'Each (parallel)',
  description:
    'Runs `tasks` once per item of `value`, the iterations at the same time: `concurrent` at most (0, the default, means all). After a failed iteration no new one starts; `errors` run once all have ended. `value` is a list, a JSON list as text, or an expression rendering to either; `taskrun.value` is the item as text (a map or list item as JSON text).',
  properties: T.Object({
    value: T.Unknown({ description: 'List of values, or a JSON array as a string' }),
    concurrent: T.Optional(T.Integer({ minimum: 0, default: 0 })),
    tasks: TaskList({ minItems: 1 }),
    errors: T.Optional(TaskList()),
  }),
  children: ['tasks', 'errors'],
  examples: [
    {
      title: 'Three sites, two at a time',
      code: '- id: each\n  type: io.kestra.plugin.core.flow.EachParallel\n  value: [north, south, east]\n  concurrent: 2\n  tasks:\n    - id: hello\n      type: log\n      message: "{{ taskrun.value }}"',
    },
  ],
  run: (props, ctx) =>
    runEach(ctx, eachValues(props.value, 'value'), props.tasks, props.concurrent ?? 0, props.errors),
});
