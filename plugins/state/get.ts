/** `state.get`: reads a state document (Kestra's older state store, state.Get). */
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { defineTask } from '../../protocol/plugin.js';
import { readState, stateKey, stateProperties } from './state-key.js';

export default defineTask({
  type: 'state.get',
  aliases: ['io.kestra.plugin.core.state.Get', 'io.kestra.core.tasks.states.Get'],
  title: 'Get a state',
  description:
    'Reads a named state document stored by `state.set` into `outputs.<id>.data`, with its number of ' +
    'top-level keys in `outputs.<id>.count`. A missing state gives an empty map, or fails with `errorOnMissing`.',
  properties: T.Object({
    ...stateProperties,
    errorOnMissing: T.Optional(
      T.Boolean({ default: false, description: 'Fail when there is no such state' }),
    ),
  }),
  outputs: T.Object({
    count: T.Integer({ description: 'Top-level keys in the state' }),
    data: T.Record(T.String(), T.Unknown(), { description: 'The state document' }),
  }),
  examples: [
    {
      title: 'Read what earlier executions have seen',
      code: ['- id: seen', '  type: io.kestra.plugin.core.state.Get', '  name: seen'].join('\n'),
    },
  ],
  run(props, ctx) {
    const data = readState(stateKey(props, ctx), ctx);
    if (data === undefined && props.errorOnMissing) {
      throw new TaskError(`Unable to find the state file '${props.name ?? 'default'}'`, false);
    }
    return { outputs: { count: Object.keys(data ?? {}).length, data: data ?? {} } };
  },
});
