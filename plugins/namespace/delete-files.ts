/** `namespace.delete`: deletes namespace files matching globs (Kestra's DeleteFiles). */
import { Type as T } from '@sinclair/typebox';
import { selectPaths } from '../../protocol/namespace-files.js';
import { defineTask } from '../../protocol/plugin.js';
import { FilesProperty, NamespaceProperty, patternList } from './common.js';

export default defineTask({
  type: 'namespace.delete',
  aliases: ['io.kestra.plugin.core.namespace.DeleteFiles'],
  title: 'Delete namespace files',
  description:
    'Deletes the namespace files matching `files`. On the hub each delete is a revision, so the content stays in ' +
    'the file’s history. Folders exist only through their files, so `deleteParentFolder` has nothing more to do.',
  properties: T.Object({
    namespace: NamespaceProperty,
    files: FilesProperty(
      "Globs (Kestra's: `**` crosses folders) or paths of the files to delete; `**` for all",
    ),
    deleteParentFolder: T.Optional(
      T.Boolean({
        default: false,
        description: 'Accepted for Kestra; a folder without files does not exist here',
      }),
    ),
  }),
  outputs: T.Object({
    files: T.Array(T.String(), { description: 'Paths of the deleted files, with their leading slash' }),
  }),
  examples: [
    {
      title: 'Remove temporary uploads',
      code: [
        '- id: cleanup',
        '  type: io.kestra.plugin.core.namespace.DeleteFiles',
        '  namespace: "{{ flow.namespace }}"',
        '  files: "**.tmp"',
      ].join('\n'),
    },
  ],
  async run(props, ctx) {
    const paths = ctx.namespaceFiles.list(props.namespace).map((f) => f.path);
    const files: string[] = [];
    for (const path of selectPaths(paths, patternList(props.files), undefined)) {
      if (await ctx.namespaceFiles.delete(props.namespace, path)) files.push(`/${path}`);
    }
    ctx.logger.info(`deleted ${files.length} file(s) from namespace ${props.namespace}`);
    return { outputs: { files } };
  },
});
