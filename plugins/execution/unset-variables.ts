/** `execution.unsetVariables`: removes variables of the running execution (Kestra's execution.UnsetVariables). */
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { defineTask } from '../../protocol/plugin.js';

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export default defineTask({
  type: 'execution.unsetVariables',
  aliases: ['io.kestra.plugin.core.execution.UnsetVariables'],
  title: 'Unset execution variables',
  description:
    'Removes variables from the running execution: later tasks no longer see them in `{{ vars }}`. A dotted name ' +
    '(`config.port`) removes a key of a map variable. A name that is not there is passed over; a dotted name ' +
    'whose map is missing fails, unless `ignoreMissing` is true.',
  properties: T.Object({
    variables: T.Array(T.String({ minLength: 1 }), { description: 'Names of the variables to remove' }),
    ignoreMissing: T.Optional(
      T.Boolean({ default: false, description: 'Pass over a dotted name whose map does not exist' }),
    ),
  }),
  examples: [
    {
      title: 'Forget a variable once used',
      code: '- id: forget\n  type: io.kestra.plugin.core.execution.UnsetVariables\n  variables: [token]',
    },
  ],
  run(props, ctx) {
    const variables = ctx.executions.variables();
    for (const name of props.variables) {
      const path = name.split('.');
      const last = path.pop() as string;
      let map: unknown = variables;
      for (const key of path) map = isMap(map) ? map[key] : undefined;
      if (!isMap(map)) {
        if (props.ignoreMissing) continue;
        throw new TaskError(`cannot unset '${name}': '${path.join('.')}' is not a map of variables`, false);
      }
      delete map[last];
    }
    ctx.executions.replaceVariables(variables);
    return undefined;
  },
});
