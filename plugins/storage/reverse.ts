/** `storage.reverse`: a stored file with its lines in reverse order (Kestra's storage.Reverse). */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { defineTask } from '../../protocol/plugin.js';
import { extensionOf, readLines, storedPath, storeResult } from './stored-files.js';

export default defineTask({
  type: 'storage.reverse',
  aliases: ['io.kestra.plugin.core.storage.Reverse', 'io.kestra.core.tasks.storages.Reverse'],
  title: 'Reverse a file',
  description:
    'Writes the lines of the stored file `from` (cut at `separator`) last first into a new stored file ' +
    'with the same extension, each followed by `separator`; `outputs.<id>.uri` is the result.',
  properties: T.Object({
    from: T.String({ description: 'The storage URI of the file' }),
    separator: T.Optional(T.String({ default: '\n', description: 'What ends a line' })),
    charset: T.Optional(T.String({ default: 'UTF-8', description: 'The text encoding of the file' })),
  }),
  outputs: T.Object({ uri: T.String({ description: 'The reversed file' }) }),
  examples: [
    {
      title: 'Newest first',
      code: '- id: reverse\n  type: io.kestra.plugin.core.storage.Reverse\n  from: "{{ outputs.log.uri }}"',
    },
  ],
  async run(props, ctx) {
    const separator = props.separator ?? '\n';
    const encoding = encodingOf(props.charset ?? 'UTF-8');
    const lines: string[] = [];
    for await (const line of readLines(await storedPath(ctx, props.from, 'from'), separator, encoding))
      lines.push(line);
    const name = `reverse${extensionOf(props.from)}`;
    const target = join(await ctx.workingDir(), name);
    await writeFile(
      target,
      lines
        .reverse()
        .map((line) => line + separator)
        .join(''),
      { encoding },
    );
    return { outputs: { uri: await storeResult(ctx, name, target) } };
  },
});

const ENCODINGS: Record<string, BufferEncoding> = {
  'UTF-8': 'utf8',
  UTF8: 'utf8',
  'ISO-8859-1': 'latin1',
  LATIN1: 'latin1',
  'US-ASCII': 'ascii',
  'UTF-16LE': 'utf16le',
};

function encodingOf(charset: string): BufferEncoding {
  const encoding = ENCODINGS[charset.toUpperCase()];
  if (!encoding) {
    throw new TaskError(
      `charset: '${charset}' is not supported; use one of ${Object.keys(ENCODINGS).join(', ')}`,
      false,
    );
  }
  return encoding;
}
