/** `namespace.download`: copies namespace files into internal storage, one URI each (Kestra's DownloadFiles). */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Type as T } from '@sinclair/typebox';
import { selectPaths } from '../../protocol/namespace-files.js';
import { defineTask } from '../../protocol/plugin.js';
import { FilesProperty, NamespaceProperty, patternList, underDestination } from './common.js';

export default defineTask({
  type: 'namespace.download',
  aliases: ['io.kestra.plugin.core.namespace.DownloadFiles'],
  title: 'Download namespace files',
  description:
    'Copies the namespace files matching `files` into internal storage, so that later tasks (of this namespace or ' +
    "another) read them as `outputs.<taskId>.files['/path']`. The files are written to the working directory too, " +
    'under `destination`.',
  properties: T.Object({
    namespace: NamespaceProperty,
    files: FilesProperty(
      "Globs (Kestra's: `**` crosses folders) or paths of the namespace files; `**` for all",
    ),
    destination: T.Optional(
      T.String({ default: '', description: 'Folder of the working directory the files are written under' }),
    ),
  }),
  outputs: T.Object({
    files: T.Record(T.String(), T.String(), {
      description: 'Namespace path (with its leading slash, as Kestra gives it) → internal storage URI',
    }),
  }),
  examples: [
    {
      title: 'Share the SQL files of another namespace',
      code: [
        '- id: sql',
        '  type: io.kestra.plugin.core.namespace.DownloadFiles',
        '  namespace: company.shared',
        '  files:',
        '    - "sql/**.sql"',
      ].join('\n'),
    },
  ],
  async run(props, ctx) {
    const paths = ctx.namespaceFiles.list(props.namespace).map((f) => f.path);
    const dir = await ctx.workingDir();
    const files: Record<string, string> = {};
    for (const path of selectPaths(paths, patternList(props.files), undefined)) {
      const content = ctx.namespaceFiles.get(props.namespace, path);
      if (content === undefined) continue;
      const local = underDestination(props.destination, path);
      const target = join(dir, local);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
      files[`/${path}`] = await ctx.storage.put(ctx.execution.id, ctx.taskRun.id, local, target);
    }
    ctx.logger.info(`downloaded ${Object.keys(files).length} file(s) from namespace ${props.namespace}`);
    return { outputs: { files } };
  },
});
