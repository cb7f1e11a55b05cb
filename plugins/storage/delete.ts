/** `storage.delete`: removes a stored file (Kestra's storage.Delete). */
import { rm } from 'node:fs/promises';
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { defineTask } from '../../protocol/plugin.js';
import { storedPath } from './stored-files.js';

export default defineTask({
  type: 'storage.delete',
  aliases: ['io.kestra.plugin.core.storage.Delete', 'io.kestra.core.tasks.storages.Delete'],
  title: 'Delete a file',
  description:
    'Removes the stored file `uri`; `outputs.<id>.deleted` tells whether there was one. ' +
    'With `errorOnMissing`, a missing file fails the task.',
  properties: T.Object({
    uri: T.String({ description: 'The storage URI of the file' }),
    errorOnMissing: T.Optional(T.Boolean({ default: false, description: 'Fail when there is no such file' })),
  }),
  outputs: T.Object({
    uri: T.String({ description: 'The URI given' }),
    deleted: T.Boolean({ description: 'Whether a file was deleted' }),
  }),
  examples: [
    {
      title: 'Drop an intermediate file',
      code: '- id: delete\n  type: io.kestra.plugin.core.storage.Delete\n  uri: "{{ outputs.extract.uri }}"',
    },
  ],
  async run(props, ctx) {
    let path: string;
    try {
      path = await storedPath(ctx, props.uri, 'uri');
    } catch (err) {
      if (
        props.errorOnMissing ||
        !(err instanceof TaskError) ||
        !err.message.startsWith('uri: no stored file')
      )
        throw err;
      return { outputs: { uri: props.uri, deleted: false } };
    }
    await rm(path);
    return { outputs: { uri: props.uri, deleted: true } };
  },
});
