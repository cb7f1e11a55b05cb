/** `execution.setVariables`: adds or replaces variables of the running execution (Kestra's execution.SetVariables). */
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { defineTask } from '../../protocol/plugin.js';
import { deepMerge, mapTexts } from '../../protocol/values.js';

export default defineTask({
  type: 'execution.setVariables',
  aliases: ['io.kestra.plugin.core.execution.SetVariables'],
  title: 'Set execution variables',
  description:
    'Adds variables to the running execution, or replaces them: later tasks read them as `{{ vars.<name> }}`, ' +
    "beside the flow's `variables`. A value that is a map is merged into an existing map. Texts are rendered " +
    'to text, as Kestra renders them. With `overwrite: false` the task fails when a variable already exists.',
  properties: T.Object({
    variables: T.Record(T.String(), T.Unknown(), { description: 'The variables to set, by name' }),
    overwrite: T.Optional(
      T.Boolean({
        default: true,
        description: 'Replace variables that already exist; when false, fail instead',
      }),
    ),
  }),
  raw: ['variables'],
  examples: [
    {
      title: 'Set a variable, then read it',
      code: [
        '- id: set',
        '  type: io.kestra.plugin.core.execution.SetVariables',
        '  variables:',
        '    greeting: "Hello {{ inputs.name }}"',
        '- id: say',
        '  type: log',
        '  message: "{{ vars.greeting }}"',
      ].join('\n'),
    },
  ],
  run(props, ctx) {
    const rendered = mapTexts(props.variables, (text) => ctx.renderText(text)) as Record<string, unknown>;
    const current = ctx.executions.variables();
    if (props.overwrite === false) {
      const existing = Object.keys(rendered).filter((key) => Object.hasOwn(current, key));
      if (existing.length > 0)
        throw new TaskError(
          `\`overwrite\` is set to false and the following variables already exist: ${existing.join(', ')}`,
          false,
        );
    }
    ctx.executions.replaceVariables(deepMerge(current, rendered));
    return undefined;
  },
});
