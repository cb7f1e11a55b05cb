/** `namespace.upload`: stores files of the working directory or of internal storage as namespace files (Kestra's UploadFiles). */
import { readFile } from 'node:fs/promises';
import { Type as T } from '@sinclair/typebox';
import { glob } from 'tinyglobby';
import { TaskError } from '../../protocol/errors.js';
import { globMatcher } from '../../protocol/namespace-files.js';
import { defineTask, type TaskContext } from '../../protocol/plugin.js';
import { FilesProperty, NamespaceProperty, patternList, underDestination } from './common.js';

const Properties = T.Object({
  namespace: NamespaceProperty,
  files: T.Optional(
    FilesProperty(
      "Globs (Kestra's: `**` crosses folders; the `glob:` prefix is accepted) of files in the working directory, " +
        'uploaded with their relative path under `destination`',
    ),
  ),
  filesMap: T.Optional(
    T.Union([T.Record(T.String(), T.String()), T.String()], {
      description:
        'Namespace path → internal storage URI (an earlier task’s output file, e.g. `{{ outputs.make.outputFiles }}`), ' +
        'or a JSON string of such a map',
    }),
  ),
  destination: T.Optional(T.String({ default: '/', description: 'Folder of the namespace the files go to' })),
  conflict: T.Optional(
    T.Union([T.Literal('OVERWRITE'), T.Literal('ERROR'), T.Literal('SKIP')], {
      default: 'OVERWRITE',
      description: 'What to do when the namespace already has a file at the path',
    }),
  ),
});

type Props = typeof Properties.static;

export default defineTask({
  type: 'namespace.upload',
  aliases: ['io.kestra.plugin.core.namespace.UploadFiles'],
  title: 'Upload namespace files',
  description:
    'Stores files as namespace files: those of the working directory matching `files`, and those of internal storage ' +
    'named in `filesMap`. Each write is a new revision on the hub; on an agent it changes the agent’s own copy, which ' +
    'the hub’s files replace at the next sync.',
  properties: Properties,
  examples: [
    {
      title: 'Keep a file an earlier task made as a namespace file',
      code: [
        '- id: upload',
        '  type: io.kestra.plugin.core.namespace.UploadFiles',
        '  namespace: "{{ flow.namespace }}"',
        '  filesMap:',
        '    reports/latest.csv: "{{ outputs.export.outputFiles[\'report.csv\'] }}"',
      ].join('\n'),
    },
  ],
  async run(props, ctx) {
    if (props.files === undefined && props.filesMap === undefined) {
      throw new TaskError('give `files` or `filesMap`: there is nothing to upload', false);
    }
    const sources = { ...(await workingDirFiles(props, ctx)), ...storageFiles(props, ctx) };
    let uploaded = 0;
    for (const [path, source] of Object.entries(sources)) {
      if (ctx.namespaceFiles.get(props.namespace, path) !== undefined) {
        if (props.conflict === 'ERROR') {
          throw new TaskError(
            `namespace ${props.namespace} already has a file '${path}' (conflict: ERROR)`,
            false,
          );
        }
        if (props.conflict === 'SKIP') continue;
      }
      await ctx.namespaceFiles.put(props.namespace, path, await readFile(source));
      uploaded++;
    }
    ctx.logger.info(`uploaded ${uploaded} file(s) to namespace ${props.namespace}`);
    return undefined;
  },
});

/** Namespace path → local path of the working directory's files that match `files`. */
async function workingDirFiles(props: Props, ctx: TaskContext): Promise<Record<string, string>> {
  if (props.files === undefined) return {};
  const dir = await ctx.workingDir();
  const all = await glob('**', { cwd: dir, onlyFiles: true, dot: true });
  const matchers = patternList(props.files).map(globMatcher);
  const out: Record<string, string> = {};
  for (const rel of all.sort()) {
    if (matchers.some((m) => m(rel))) out[underDestination(props.destination, rel)] = `${dir}/${rel}`;
  }
  return out;
}

/** Namespace path → local path of the internal storage files named in `filesMap`. */
function storageFiles(props: Props, ctx: TaskContext): Record<string, string> {
  if (props.filesMap === undefined) return {};
  let map: unknown = props.filesMap;
  if (typeof map === 'string') {
    try {
      map = JSON.parse(map);
    } catch {
      throw new TaskError('filesMap: not a JSON map of namespace path to file URI', false);
    }
  }
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new TaskError('filesMap: expected a map of namespace path to file URI', false);
  }
  const out: Record<string, string> = {};
  for (const [path, uri] of Object.entries(map)) {
    if (typeof uri !== 'string' || !ctx.storage.isUri(uri)) {
      throw new TaskError(
        `filesMap: '${path}' must name an internal storage URI, got ${JSON.stringify(uri)}`,
        false,
      );
    }
    out[underDestination(props.destination, path)] = ctx.storage.localPath(uri);
  }
  return out;
}
