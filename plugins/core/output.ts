/** `output`: turns values into task outputs (Kestra's OutputValues and Return). */
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { defineTask } from '../../protocol/plugin.js';
import { mapTexts } from '../../protocol/values.js';

export default defineTask({
  type: 'output',
  aliases: [
    'io.kestra.plugin.core.output.OutputValues',
    'io.kestra.core.tasks.outputs.OutputValues',
    'io.kestra.plugin.core.debug.Return',
    'io.kestra.core.tasks.debugs.Return',
  ],
  title: 'Output values',
  description:
    'Makes values available to later tasks: `values` become `outputs.<id>.values.<key>` (OutputValues), each string in them rendered to text as in Kestra (`"{{ 1 + 2 }}"` gives `"3"`; a YAML number or list stays one); `format` is rendered to text and becomes `outputs.<id>.value` (Return), a string as in Kestra, so `{{ 1 + 2 }}` gives `"3"` and `{{ [1, 2] }}` gives `"[1,2]"`.',
  properties: T.Object({
    values: T.Optional(
      T.Union([T.Record(T.String(), T.Unknown()), T.String()], {
        description:
          'Map of values; each string in it (keys included) is rendered to text. A single `{{ … }}` rendering to a JSON object is taken as the map',
      }),
    ),
    format: T.Optional(T.Unknown({ description: 'A template rendered to text; expressions allowed' })),
  }),
  outputs: T.Object({
    values: T.Optional(T.Record(T.String(), T.Unknown())),
    value: T.Optional(T.String({ description: 'The rendered `format`' })),
  }),
  // Rendered here, to text: Kestra takes `format` as a string and renders each string of `values` to one.
  raw: ['format', 'values'],
  examples: [
    {
      title: 'Pass a computed value on',
      code: '- id: total\n  type: output\n  values:\n    sum: "{{ inputs.a + inputs.b }}"',
    },
    {
      title: 'Return a formatted string',
      code: '- id: header\n  type: io.kestra.plugin.core.debug.Return\n  format: "Bearer {{ secret(\'TOKEN\') }}"',
    },
  ],
  run(props, ctx) {
    const outputs: Record<string, unknown> = {};
    if (props.values !== undefined) outputs.values = renderValues(props.values, ctx.renderText.bind(ctx));
    if (props.format !== undefined) {
      const template = typeof props.format === 'string' ? props.format : JSON.stringify(props.format);
      outputs.value = ctx.renderText(template);
    }
    return { outputs };
  },
});

/** `values` rendered as Kestra renders its map property: a whole `{{ … }}` read as a JSON map, else string by string. */
function renderValues(values: Record<string, unknown> | string, text: (s: string) => string): unknown {
  if (typeof values !== 'string') return mapTexts(values, text);
  const rendered = text(values);
  let parsed: unknown;
  try {
    parsed = JSON.parse(rendered);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new TaskError(`values: '${values}' must render to a JSON object, got '${rendered}'`, false);
  return parsed;
}
