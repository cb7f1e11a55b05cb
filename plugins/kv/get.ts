/** `kv.get`: reads a value from the namespace's key-value store (Kestra's kv.Get). */
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { defineTask } from '../../protocol/plugin.js';

export default defineTask({
  type: 'kv.get',
  aliases: ['io.kestra.plugin.core.kv.Get'],
  title: 'Get a KV value',
  description:
    "Reads the value stored under a key in a namespace's key-value store (the flow's namespace by default) " +
    'into `outputs.<id>.value`. A missing or expired key gives null, or fails the task with `errorOnMissing: true`.',
  properties: T.Object({
    key: T.String({ minLength: 1 }),
    namespace: T.Optional(T.String({ minLength: 1, description: "Default: the flow's namespace" })),
    errorOnMissing: T.Optional(
      T.Boolean({ default: false, description: 'Fail when the key holds no value' }),
    ),
  }),
  outputs: T.Object({ value: T.Unknown({ description: 'The stored value, or null' }) }),
  examples: [
    {
      title: 'Read the last reading stored by an earlier execution',
      code: [
        'id: compare',
        'namespace: plant1',
        'tasks:',
        '  - id: last',
        '    type: kv.get',
        '    key: last_temperature',
        '    errorOnMissing: true',
        '  - id: log',
        '    type: log',
        '    message: "Previous reading: {{ outputs.last.value }}"',
      ].join('\n'),
    },
  ],
  run(props, ctx) {
    const namespace = props.namespace ?? ctx.execution.namespace;
    const value = ctx.kv.get(namespace, props.key);
    if (value === undefined && props.errorOnMissing) {
      throw new TaskError(`KV key '${props.key}' has no value in namespace '${namespace}'`, false);
    }
    return { outputs: { value: value ?? null } };
  },
});
