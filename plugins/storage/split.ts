/** `storage.split`: cuts a stored file into several (Kestra's storage.Split). */
import { basename, extname } from 'node:path';
import { Type as T } from '@sinclair/typebox';
import { defineTask } from '../../protocol/plugin.js';
import { splitFile } from './splitter.js';
import { extensionOf, storedPath, storeResult } from './stored-files.js';

export default defineTask({
  type: 'storage.split',
  aliases: ['io.kestra.plugin.core.storage.Split', 'io.kestra.core.tasks.storages.Split'],
  title: 'Split a file',
  description:
    'Cuts the stored file `from` at line ends into new stored files, by one of: `rows` lines each, ' +
    'at most `bytes` each (`10MB`; a line longer than that gets a file of its own), `partitions` files ' +
    '(lines dealt out in turn), or `regexPattern` (lines grouped by the value of its first capture group, ' +
    'in order of first appearance; lines it does not match go to a file of their own). ' +
    '`outputs.<id>.uris` lists the files in order; no file is empty.',
  properties: T.Object({
    from: T.String({ description: 'The storage URI of the file' }),
    rows: T.Optional(T.Integer({ minimum: 1, description: 'Lines per file' })),
    bytes: T.Optional(T.Union([T.String(), T.Integer({ minimum: 1 })], { description: 'Largest file size' })),
    partitions: T.Optional(T.Integer({ minimum: 1, description: 'How many files' })),
    regexPattern: T.Optional(
      T.String({ description: 'A pattern whose first capture group names the file of a line' }),
    ),
    separator: T.Optional(T.String({ default: '\n', description: 'What ends a line' })),
  }),
  outputs: T.Object({ uris: T.Array(T.String(), { description: 'The files, in order' }) }),
  examples: [
    {
      title: 'A thousand lines per file',
      code: '- id: split\n  type: io.kestra.plugin.core.storage.Split\n  from: "{{ outputs.export.uri }}"\n  rows: 1000',
    },
  ],
  async run(props, ctx) {
    const source = await storedPath(ctx, props.from, 'from');
    const extension = extensionOf(props.from, '');
    const prefix = `${basename(source, extname(source))}-`;
    const paths = await splitFile(source, await ctx.workingDir(), props, { prefix, extension });
    const uris: string[] = [];
    for (const path of paths) uris.push(await storeResult(ctx, basename(path), path));
    return { outputs: { uris } };
  },
});
