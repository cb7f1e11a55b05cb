/** `state.set`: merges data into a state document (Kestra's older state store, state.Set). */
import { Type as T } from '@sinclair/typebox';
import { defineTask } from '../../protocol/plugin.js';
import { deepMerge, mapTexts } from '../../protocol/values.js';
import { readState, stateKey, stateProperties } from './state-key.js';

export default defineTask({
  type: 'state.set',
  aliases: ['io.kestra.plugin.core.state.Set', 'io.kestra.core.tasks.states.Set'],
  title: 'Set a state',
  description:
    "Merges `data` into a named state document (maps are merged deeply) kept in the namespace's KV store " +
    '(texts rendered to text, as Kestra renders them; other values keep their type) ' +
    'for the next executions, of the flow or (with `namespace: true`) of the whole namespace. ' +
    '`outputs.<id>.count` is the number of top-level keys of the document, `outputs.<id>.key` its KV key.',
  properties: T.Object({
    ...stateProperties,
    data: T.Optional(T.Record(T.String(), T.Unknown(), { description: 'The values to store' })),
  }),
  raw: ['data'],
  outputs: T.Object({
    count: T.Integer({ description: 'Top-level keys in the state after the merge' }),
    key: T.String({ description: 'The KV key the state is stored under' }),
  }),
  examples: [
    {
      title: 'Remember what an execution has seen',
      code: [
        '- id: remember',
        '  type: io.kestra.plugin.core.state.Set',
        '  name: seen',
        '  data:',
        '    "{{ inputs.file }}": "{{ outputs.hash.value }}"',
      ].join('\n'),
    },
  ],
  run(props, ctx) {
    const key = stateKey(props, ctx);
    const data = mapTexts(props.data ?? {}, (text) => ctx.renderText(text)) as Record<string, unknown>;
    const merged = deepMerge(readState(key, ctx) ?? {}, data);
    ctx.kv.set(ctx.execution.namespace, key, merged);
    return { outputs: { count: Object.keys(merged).length, key } };
  },
});
