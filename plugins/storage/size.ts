/** `storage.size`: the size of a stored file (Kestra's storage.Size). */
import { stat } from 'node:fs/promises';
import { Type as T } from '@sinclair/typebox';
import { defineTask } from '../../protocol/plugin.js';
import { storedPath } from './stored-files.js';

export default defineTask({
  type: 'storage.size',
  aliases: ['io.kestra.plugin.core.storage.Size', 'io.kestra.core.tasks.storages.Size'],
  title: 'File size',
  description: 'Gives the size in bytes of the stored file `uri` as `outputs.<id>.size`.',
  properties: T.Object({ uri: T.String({ description: 'The storage URI of the file' }) }),
  outputs: T.Object({ size: T.Integer({ description: 'Bytes' }) }),
  examples: [
    {
      title: 'How big is the export?',
      code: '- id: size\n  type: io.kestra.plugin.core.storage.Size\n  uri: "{{ outputs.export.uri }}"',
    },
  ],
  async run(props, ctx) {
    return { outputs: { size: (await stat(await storedPath(ctx, props.uri, 'uri'))).size } };
  },
});
