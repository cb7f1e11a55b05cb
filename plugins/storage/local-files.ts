/** `storage.localFiles`: files made from text or stored files, and stored from globs (Kestra's LocalFiles). */
import { Type as T } from '@sinclair/typebox';
import { defineTask } from '../../protocol/plugin.js';
import { collectOutputFiles, inputFileMap, writeInputFiles } from '../script/work-files.js';

export default defineTask({
  type: 'storage.localFiles',
  aliases: ['io.kestra.plugin.core.storage.LocalFiles', 'io.kestra.core.tasks.storages.LocalFiles'],
  title: 'Local files',
  description:
    "Writes each entry of `inputs` (file name → text, or a storage URI whose file is copied) into the task's " +
    'working directory, then stores every file matching one of the `outputs` globs; `outputs.<id>.uris` maps ' +
    'each stored file name to its URI. Kestra deprecated it for `inputFiles`/`outputFiles` of script tasks.',
  properties: T.Object({
    inputs: T.Optional(
      T.Union([T.Record(T.String(), T.String()), T.String()], {
        description: 'File name → content or storage URI; a map or a JSON map in text',
      }),
    ),
    outputs: T.Optional(T.Array(T.String(), { description: 'Globs of the files to store' })),
  }),
  outputs: T.Object({ uris: T.Record(T.String(), T.String(), { description: 'File name → storage URI' }) }),
  examples: [
    {
      title: 'Make a file from text and keep it',
      code: [
        '- id: files',
        '  type: io.kestra.plugin.core.storage.LocalFiles',
        '  inputs:',
        '    hello.txt: "Hello {{ flow.id }}"',
        '  outputs:',
        '    - "*.txt"',
      ].join('\n'),
    },
  ],
  async run(props, ctx) {
    const dir = await ctx.workingDir();
    await writeInputFiles(ctx, dir, inputFileMap(props.inputs));
    return { outputs: { uris: await collectOutputFiles(ctx, dir, props.outputs ?? []) } };
  },
});
