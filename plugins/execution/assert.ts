/** `execution.assert`: fails when any of its conditions is false (Kestra's execution.Assert). */
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { defineTask } from '../../protocol/plugin.js';
import { isTruthy } from '../../protocol/values.js';

export default defineTask({
  type: 'execution.assert',
  aliases: ['io.kestra.plugin.core.execution.Assert'],
  title: 'Assert conditions',
  description:
    'Checks every condition (an expression coerced to a boolean: false, 0, -0 and the empty string are false) ' +
    'and logs an error for each false one; when any is false the task fails with "N assertion(s) failed!", ' +
    'followed by `errorMessage` on a new line.',
  properties: T.Object({
    conditions: T.Array(T.Unknown(), {
      description: 'Expressions that must all be true; one that cannot be rendered counts as false',
    }),
    errorMessage: T.Optional(T.String({ description: 'Added to the error when an assertion fails' })),
  }),
  raw: ['conditions'],
  examples: [
    {
      title: 'Check inputs before going on',
      code: [
        '- id: check',
        '  type: io.kestra.plugin.core.execution.Assert',
        '  conditions:',
        '    - "{{ inputs.param == \'ok\' }}"',
        '    - "{{ inputs.count > 0 }}"',
        '  errorMessage: bad inputs',
      ].join('\n'),
    },
  ],
  run(props, ctx) {
    let failed = 0;
    for (const condition of props.conditions) {
      const text = typeof condition === 'string' ? condition : JSON.stringify(condition);
      let value: unknown;
      try {
        value = ctx.render(condition);
      } catch (err) {
        failed++;
        ctx.logger.error(`Assertion \`${text}\` failed, failed to render \`${(err as Error).message}\``);
        continue;
      }
      if (isTruthy(value)) continue;
      failed++;
      ctx.logger.error(`Assertion \`${text}\` failed!`);
    }
    if (failed === 0) return undefined;
    const extra = props.errorMessage === undefined ? '' : `\n${props.errorMessage}`;
    throw new TaskError(`${failed} assertion${failed > 1 ? 's' : ''} failed!${extra}`, false);
  },
});
