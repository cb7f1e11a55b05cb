/** `storage.write`: text into a stored file (Kestra's storage.Write). */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type as T } from '@sinclair/typebox';
import { newId } from '../../protocol/ids.js';
import { defineTask } from '../../protocol/plugin.js';
import { storeResult } from './stored-files.js';

export default defineTask({
  type: 'storage.write',
  aliases: ['io.kestra.plugin.core.storage.Write'],
  title: 'Write a file',
  description:
    'Stores `content`, rendered to text, as a file and gives its URI as `outputs.<id>.uri`. `extension` ends the file name as given (`.txt`); without it the name ends in `.tmp`, as Kestra names it.',
  properties: T.Object({
    content: T.String({ description: 'The text to store' }),
    extension: T.Optional(T.String({ description: 'The end of the file name, such as `.csv`' })),
  }),
  // Rendered to text, as Kestra renders a string property: `{{ [1, 2] }}` gives `[1,2]`.
  raw: ['content', 'extension'],
  outputs: T.Object({ uri: T.String({ description: 'The stored file' }) }),
  examples: [
    {
      title: 'A CSV for the next task',
      code: '- id: write\n  type: io.kestra.plugin.core.storage.Write\n  extension: .csv\n  content: |\n    site,count\n    north,3',
    },
  ],
  async run(props, ctx) {
    const extension = props.extension === undefined ? '.tmp' : ctx.renderText(props.extension);
    const name = `${newId()}${extension}`;
    const path = join(await ctx.workingDir(), name);
    await writeFile(path, ctx.renderText(props.content));
    return { outputs: { uri: await storeResult(ctx, name, path) } };
  },
});
