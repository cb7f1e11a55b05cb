/** `storage.concat`: joins stored files into one (Kestra's storage.Concat). */
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { defineTask } from '../../protocol/plugin.js';
import { storedPath, storeResult } from './stored-files.js';

export default defineTask({
  type: 'storage.concat',
  aliases: ['io.kestra.plugin.core.storage.Concat', 'io.kestra.core.tasks.storages.Concat'],
  title: 'Concatenate files',
  description:
    'Writes the stored files of `files` one after the other into a new stored file, `separator` after each; ' +
    '`outputs.<id>.uri` is the result.',
  properties: T.Object({
    files: T.Union([T.Array(T.String()), T.String()], {
      description: 'Storage URIs, as a list or a JSON list in text',
    }),
    separator: T.Optional(T.String({ description: 'Written after each file; none by default' })),
    extension: T.Optional(T.String({ default: '.tmp', description: 'The extension of the created file' })),
  }),
  outputs: T.Object({ uri: T.String({ description: 'The concatenated file' }) }),
  examples: [
    {
      title: 'Join two files, a line break between them',
      code: [
        '- id: concat',
        '  type: io.kestra.plugin.core.storage.Concat',
        '  separator: "\\n"',
        '  files:',
        '    - "{{ outputs.first.outputFiles[\'name.txt\'] }}"',
        '    - "{{ outputs.second.outputFiles[\'name.txt\'] }}"',
      ].join('\n'),
    },
  ],
  async run(props, ctx) {
    const files = fileList(props.files);
    const name = `concat${props.extension ?? '.tmp'}`;
    const target = join(await ctx.workingDir(), name);
    const out = createWriteStream(target);
    try {
      for (const file of files) {
        await pipeline(createReadStream(await storedPath(ctx, file, 'files')), out, { end: false });
        if (props.separator !== undefined) out.write(props.separator);
      }
    } finally {
      await new Promise<void>((resolve, reject) =>
        out.end((err?: Error | null) => (err ? reject(err) : resolve())),
      );
    }
    return { outputs: { uri: await storeResult(ctx, name, target) } };
  },
});

function fileList(files: string[] | string): string[] {
  if (Array.isArray(files)) return files;
  let parsed: unknown;
  try {
    parsed = JSON.parse(files);
  } catch {
    throw new TaskError(
      `files: expected a list of storage URIs or a JSON list of them, got '${files}'`,
      false,
    );
  }
  if (!Array.isArray(parsed))
    throw new TaskError('files: the JSON text must be a list of storage URIs', false);
  return parsed.map(String);
}
