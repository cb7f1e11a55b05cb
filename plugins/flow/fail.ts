/** `fail`: fails the execution on purpose, optionally only when a condition holds. */
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { defineTask } from '../../protocol/plugin.js';
import { isTruthy } from '../../protocol/values.js';

export default defineTask({
  type: 'fail',
  aliases: ['io.kestra.plugin.core.execution.Fail', 'io.kestra.core.tasks.executions.Fail'],
  title: 'Fail',
  description: 'Fails with `errorMessage`; with `condition`, only when it is true.',
  properties: T.Object({
    errorMessage: T.Optional(T.String({ default: 'Task failure' })),
    condition: T.Optional(T.Unknown({ description: 'Expression; the task fails only when true' })),
  }),
  examples: [
    {
      title: 'Stop on bad data',
      code: '- id: guard\n  type: fail\n  condition: "{{ outputs.check.values.count == 0 }}"\n  errorMessage: no rows',
    },
  ],
  run(props) {
    if (props.condition !== undefined && !isTruthy(props.condition)) return undefined;
    throw new TaskError(props.errorMessage ?? 'Task failure', false);
  },
});
