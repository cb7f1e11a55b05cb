/** `state.delete`: removes a state document (Kestra's older state store, state.Delete). */
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { defineTask } from '../../protocol/plugin.js';
import { stateKey, stateProperties } from './state-key.js';

export default defineTask({
  type: 'state.delete',
  aliases: ['io.kestra.plugin.core.state.Delete', 'io.kestra.core.tasks.states.Delete'],
  title: 'Delete a state',
  description:
    'Removes a named state document; `outputs.<id>.deleted` tells whether there was one. ' +
    'With `errorOnMissing`, a missing state fails the task.',
  properties: T.Object({
    ...stateProperties,
    errorOnMissing: T.Optional(
      T.Boolean({ default: false, description: 'Fail when there is no such state' }),
    ),
  }),
  outputs: T.Object({ deleted: T.Boolean({ description: 'Whether a state was deleted' }) }),
  examples: [
    {
      title: 'Forget what was seen',
      code: ['- id: forget', '  type: io.kestra.plugin.core.state.Delete', '  name: seen'].join('\n'),
    },
  ],
  run(props, ctx) {
    const deleted = ctx.kv.delete(ctx.execution.namespace, stateKey(props, ctx));
    if (!deleted && props.errorOnMissing) {
      throw new TaskError(`Unable to find the state file '${props.name ?? 'default'}'`, false);
    }
    return { outputs: { deleted } };
  },
});
