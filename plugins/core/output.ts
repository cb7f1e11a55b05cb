/** `output`: turns values into task outputs (Kestra's OutputValues and Return). */
import { Type as T } from '@sinclair/typebox';
import { defineTask } from '../../protocol/plugin.js';

export default defineTask({
  type: 'output',
  aliases: ['io.kestra.plugin.core.output.OutputValues', 'io.kestra.plugin.core.debug.Return'],
  title: 'Output values',
  description:
    'Makes values available to later tasks: `values` become `outputs.<id>.values.<key>` (OutputValues), `format` becomes `outputs.<id>.value` (Return).',
  properties: T.Object({
    values: T.Optional(
      T.Record(T.String(), T.Unknown(), { description: 'Map of values; expressions allowed' }),
    ),
    format: T.Optional(T.Unknown({ description: 'A single value; expressions allowed' })),
  }),
  outputs: T.Object({
    values: T.Optional(T.Record(T.String(), T.Unknown())),
    value: T.Optional(T.Unknown()),
  }),
  examples: [
    {
      title: 'Pass a computed value on',
      code: '- id: total\n  type: output\n  values:\n    sum: "{{ inputs.a + inputs.b }}"',
    },
  ],
  run(props) {
    const outputs: Record<string, unknown> = {};
    if (props.values !== undefined) outputs.values = props.values;
    if (props.format !== undefined) outputs.value = props.format;
    return { outputs };
  },
});
