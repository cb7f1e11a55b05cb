/** `execution.setVariables`: adds or replaces variables of the running execution (Kestra's execution.SetVariables). */
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { defineTask, type TaskContext } from '../../protocol/plugin.js';

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Renders every text of `value` (keys too) as Kestra renders a property's strings: to text; other literals stay typed. */
function renderTexts(value: unknown, ctx: TaskContext): unknown {
  if (typeof value === 'string') return ctx.renderText(value);
  if (Array.isArray(value)) return value.map((item) => renderTexts(item, ctx));
  if (!isMap(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [ctx.renderText(k), renderTexts(v, ctx)]));
}

/** `into` with `from` laid over it, maps merged key by key, anything else replaced. */
function deepMerge(into: Record<string, unknown>, from: Record<string, unknown>): Record<string, unknown> {
  const out = { ...into };
  for (const [key, value] of Object.entries(from)) {
    const existing = out[key];
    out[key] = isMap(existing) && isMap(value) ? deepMerge(existing, value) : value;
  }
  return out;
}

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
    const rendered = renderTexts(props.variables, ctx) as Record<string, unknown>;
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
