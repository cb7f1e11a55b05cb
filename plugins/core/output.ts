/** `output`: turns values into task outputs (Kestra's OutputValues and Return). */
import { Type as T } from '@sinclair/typebox';
import { defineTask } from '../../protocol/plugin.js';

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
    'Makes values available to later tasks: `values` become `outputs.<id>.values.<key>` (OutputValues); `format` is rendered to text and becomes `outputs.<id>.value` (Return), a string as in Kestra, so `{{ 1 + 2 }}` gives `"3"` and `{{ [1, 2] }}` gives `"[1,2]"`.',
  properties: T.Object({
    values: T.Optional(
      T.Record(T.String(), T.Unknown(), { description: 'Map of values; expressions allowed' }),
    ),
    format: T.Optional(T.Unknown({ description: 'A template rendered to text; expressions allowed' })),
  }),
  outputs: T.Object({
    values: T.Optional(T.Record(T.String(), T.Unknown())),
    value: T.Optional(T.String({ description: 'The rendered `format`' })),
  }),
  // Rendered here, to text: Kestra's Return takes its `format` as a string property.
  raw: ['format'],
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
    if (props.values !== undefined) outputs.values = props.values;
    if (props.format !== undefined) {
      const template = typeof props.format === 'string' ? props.format : JSON.stringify(props.format);
      outputs.value = ctx.renderText(template);
    }
    return { outputs };
  },
});
