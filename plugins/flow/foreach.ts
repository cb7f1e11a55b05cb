/** `foreach`: runs its tasks once per value, `concurrencyLimit` iterations at a time. */
import { Type as T } from '@sinclair/typebox';
import { defineTask, TaskList } from '../../protocol/plugin.js';
import { eachValues, runEach } from './each-values.js';

export default defineTask({
  type: 'foreach',
  aliases: ['io.kestra.plugin.core.flow.ForEach'],
  title: 'For each',
  description:
    'Runs `tasks` for every value of `values` (a list, or a JSON list as text). Inside, `taskrun.value` and `taskrun.iteration` describe the iteration, and outputs are keyed by value: `outputs.<taskId>[value]`. `concurrencyLimit` iterations run at once (1 by default; 0 means all); `errors` run if an iteration fails.',
  properties: T.Object({
    values: T.Unknown({ description: 'List of values, or a JSON array as a string' }),
    concurrencyLimit: T.Optional(T.Integer({ minimum: 0, default: 1 })),
    childFailurePolicy: T.Optional(
      T.Union([T.Literal('STOP'), T.Literal('FAIL')], {
        description:
          'Kestra 2.0: after a failed iteration no other one starts; with FAIL the running ones are stopped too and end FAILED',
        default: 'STOP',
      }),
    ),
    tasks: TaskList({ minItems: 1 }),
    errors: T.Optional(TaskList()),
  }),
  children: ['tasks', 'errors'],
  examples: [
    {
      title: 'One task per site',
      code: '- id: each\n  type: foreach\n  values: [north, south]\n  tasks:\n    - id: hello\n      type: log\n      message: "{{ taskrun.value }}"',
    },
  ],
  run: (props, ctx) =>
    runEach(
      ctx,
      eachValues(props.values, 'values'),
      props.tasks,
      props.concurrencyLimit ?? 1,
      props.errors,
      props.childFailurePolicy,
    ),
});
