/** The task types every file-transfer protocol has (Kestra's Upload, Uploads, Download, Downloads, List, Delete, Move), made for one protocol. */
import { mkdtemp } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { type AnyTaskDefinition, defineTask, type TaskContext } from '../../protocol/plugin.js';
import { storedPath, storeResult } from '../storage/stored-files.js';
import { ArchiveSchema, archive, archiveProblem, FilesOutput, ListingSchema, selectFiles } from './model.js';
import { connectionSchema, type Protocol, pathFilter, type Session, withSession } from './remote.js';

const example = (protocol: Protocol, id: string, kind: string, lines: string[]) =>
  [
    `- id: ${id}`,
    `  type: ${protocol.kestra}.${kind}`,
    '  host: files.example.com',
    '  username: tern',
    `  password: "{{ secret('${protocol.name.toUpperCase()}_PASSWORD') }}"`,
    ...lines.map((l) => `  ${l}`),
  ].join('\n');

/** Downloads one server file into the execution's storage; returns its URI. */
async function fetchFile(ctx: TaskContext, session: Session, path: string): Promise<string> {
  const dir = await mkdtemp(join(await ctx.workingDir(), 'download-'));
  const local = join(dir, posix.basename(path));
  await session.fs.download(path, local);
  return storeResult(ctx, posix.basename(path), local);
}

/** `<name>.upload`: one stored file to the server. */
export function uploadTask(protocol: Protocol): AnyTaskDefinition {
  return defineTask({
    type: `${protocol.name}.upload`,
    aliases: [`${protocol.kestra}.Upload`],
    title: `${protocol.title} upload`,
    description: `Uploads a file of the execution's storage to an ${protocol.title} server, creating the folders of \`to\` as needed.`,
    properties: T.Object({
      ...connectionSchema(protocol),
      from: T.String({ minLength: 1, description: 'The stored file to upload (its URI)' }),
      to: T.Optional(
        T.String({
          description:
            "Its server path; one ending in `/` is a folder, which keeps the file's name (default: the name, in the session's folder)",
        }),
      ),
    }),
    outputs: T.Object({ to: T.String({ description: 'The uploaded file, as a server URI' }) }),
    examples: [
      {
        title: 'Upload a report',
        code: example(protocol, 'upload', 'Upload', [
          'from: "{{ outputs.report.uri }}"',
          'to: /upload/report.csv',
        ]),
      },
    ],
    async run(props, ctx) {
      const local = await storedPath(ctx, props.from, 'from');
      return withSession(protocol, props, async (session) => {
        const name = posix.basename(local);
        const target = props.to ?? name;
        const to = session.resolve(target.endsWith('/') ? `${target}${name}` : target);
        await session.fs.mkdirs(posix.dirname(to));
        await session.fs.upload(local, to);
        ctx.logger.debug(`uploaded ${props.from} to ${session.uri(to)}`);
        return { outputs: { to: session.uri(to) } };
      });
    },
  });
}

/** `<name>.uploads`: several stored files into one server folder. */
export function uploadsTask(protocol: Protocol): AnyTaskDefinition {
  return defineTask({
    type: `${protocol.name}.uploads`,
    aliases: [`${protocol.kestra}.Uploads`],
    title: `${protocol.title} uploads`,
    description: `Uploads files of the execution's storage into one folder of an ${protocol.title} server, each under its own name.`,
    properties: T.Object({
      ...connectionSchema(protocol),
      from: T.Union([T.Array(T.String()), T.String()], {
        description: 'The stored files: a list of URIs, or JSON text of one',
      }),
      to: T.String({ minLength: 1, description: 'The server folder (created if missing)' }),
    }),
    outputs: T.Object({ files: T.Array(T.String(), { description: 'The uploaded files, as server URIs' }) }),
    examples: [
      {
        title: 'Upload the files of a step',
        code: example(protocol, 'uploads', 'Uploads', ['from: "{{ outputs.split.uris }}"', 'to: /upload/']),
      },
    ],
    async run(props, ctx) {
      const uris = typeof props.from === 'string' ? parseList(props.from) : props.from;
      const locals = await Promise.all(uris.map((uri, i) => storedPath(ctx, uri, `from[${i}]`)));
      return withSession(protocol, props, async (session) => {
        const dir = session.resolve(props.to);
        await session.fs.mkdirs(dir);
        const files: string[] = [];
        for (const local of locals) {
          const to = posix.join(dir, posix.basename(local));
          await session.fs.upload(local, to);
          files.push(session.uri(to));
        }
        return { outputs: { files } };
      });
    },
  });
}

function parseList(text: string): string[] {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[')) return [trimmed];
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (Array.isArray(parsed)) return parsed.map(String);
  } catch {}
  throw new TaskError(`from: '${text.slice(0, 80)}' is neither a URI nor a JSON list of URIs`, false);
}

/** `<name>.download`: one server file into the execution's storage. */
export function downloadTask(protocol: Protocol): AnyTaskDefinition {
  return defineTask({
    type: `${protocol.name}.download`,
    aliases: [`${protocol.kestra}.Download`],
    title: `${protocol.title} download`,
    description: `Downloads one file of an ${protocol.title} server into the execution's storage.`,
    properties: T.Object({
      ...connectionSchema(protocol),
      from: T.String({ minLength: 1, description: 'The server path of the file' }),
    }),
    outputs: T.Object({
      to: T.String({ description: 'The downloaded file (storage URI)' }),
      from: T.String({ description: 'The file, as a server URI' }),
    }),
    examples: [
      {
        title: 'Download a file',
        code: example(protocol, 'download', 'Download', ['from: /in/readings.csv']),
      },
    ],
    async run(props, ctx) {
      return withSession(protocol, props, async (session) => {
        const from = session.resolve(props.from);
        const found = await session.fs.stat(from);
        if (found?.fileType !== 'FILE') throw new TaskError(`from: no file at ${session.uri(from)}`, false);
        return { outputs: { to: await fetchFile(ctx, session, from), from: session.uri(from) } };
      });
    },
  });
}

/** `<name>.downloads`: the files of a server folder into the execution's storage, then moved or deleted. */
export function downloadsTask(protocol: Protocol): AnyTaskDefinition {
  return defineTask({
    type: `${protocol.name}.downloads`,
    aliases: [`${protocol.kestra}.Downloads`],
    title: `${protocol.title} downloads`,
    description: `Downloads the files of a folder of an ${protocol.title} server (those matching \`regExp\`, at most \`maxFiles\`) into the execution's storage, then moves them to \`moveDirectory\`, deletes them, or leaves them (\`action\`). A file is moved or deleted only once every file is stored.`,
    properties: T.Object({ ...connectionSchema(protocol), ...ListingSchema, ...ArchiveSchema }),
    outputs: T.Object({
      files: FilesOutput,
      outputFiles: T.Record(T.String(), T.String(), {
        description: 'Each downloaded file by its server path: its storage URI',
      }),
    }),
    examples: [
      {
        title: 'Take the CSV files of a folder',
        code: example(protocol, 'downloads', 'Downloads', [
          'from: /in/',
          'regExp: ".*\\\\.csv"',
          'action: MOVE',
          'moveDirectory: /archive/',
        ]),
      },
    ],
    async run(props, ctx) {
      const problem = archiveProblem(props);
      if (problem) throw new TaskError(problem, false);
      const matches = pathFilter(props.regExp);
      return withSession(protocol, props, async (session) => {
        const listed = await session.fs.list(session.resolve(props.from), props.recursive ?? false);
        const { files, left } = selectFiles(listed, matches, props.maxFiles);
        if (left > 0) ctx.logger.warn(`${left} more file(s) left for later: maxFiles is ${files.length}`);
        const outputFiles: Record<string, string> = {};
        const stored = [];
        for (const file of files) {
          const uri = await fetchFile(ctx, session, file.path);
          outputFiles[file.path] = uri;
          stored.push({ ...file, path: uri });
        }
        for (const file of files) await archive(session, file, props.action ?? 'NONE', props.moveDirectory);
        return { outputs: { files: stored, outputFiles } };
      });
    },
  });
}

/** `<name>.list`: the files of a server folder. */
export function listTask(protocol: Protocol): AnyTaskDefinition {
  return defineTask({
    type: `${protocol.name}.list`,
    aliases: [`${protocol.kestra}.List`],
    title: `${protocol.title} list`,
    description: `Lists the files of a folder of an ${protocol.title} server (with \`recursive\`, those below too), those matching \`regExp\`, at most \`maxFiles\`.`,
    properties: T.Object({ ...connectionSchema(protocol), ...ListingSchema }),
    outputs: T.Object({ files: FilesOutput }),
    examples: [{ title: 'List a folder', code: example(protocol, 'list', 'List', ['from: /in/']) }],
    async run(props, ctx) {
      const matches = pathFilter(props.regExp);
      return withSession(protocol, props, async (session) => {
        const listed = await session.fs.list(session.resolve(props.from), props.recursive ?? false);
        const { files, left } = selectFiles(listed, matches, props.maxFiles);
        if (left > 0) ctx.logger.warn(`${left} more file(s) not listed: maxFiles is ${files.length}`);
        return { outputs: { files } };
      });
    },
  });
}

/** `<name>.delete`: one server file. */
export function deleteTask(protocol: Protocol): AnyTaskDefinition {
  return defineTask({
    type: `${protocol.name}.delete`,
    aliases: [`${protocol.kestra}.Delete`],
    title: `${protocol.title} delete`,
    description: `Deletes a file (or an empty folder) of an ${protocol.title} server.`,
    properties: T.Object({
      ...connectionSchema(protocol),
      uri: T.String({ minLength: 1, description: 'The server path to delete' }),
      errorOnMissing: T.Optional(
        T.Boolean({ default: false, description: 'Fail when there is nothing at `uri`' }),
      ),
    }),
    outputs: T.Object({
      uri: T.String({ description: 'The path, as a server URI' }),
      deleted: T.Boolean({ description: 'Whether something was deleted' }),
    }),
    examples: [
      { title: 'Delete a file', code: example(protocol, 'delete', 'Delete', ['uri: /in/done.csv']) },
    ],
    async run(props) {
      return withSession(protocol, props, async (session) => {
        const path = session.resolve(props.uri);
        const deleted = await session.fs.delete(path);
        if (!deleted && props.errorOnMissing)
          throw new TaskError(`uri: nothing to delete at ${session.uri(path)}`, false);
        return { outputs: { uri: session.uri(path), deleted } };
      });
    },
  });
}

/** `<name>.move`: renames a server file, or moves it to another folder. */
export function moveTask(protocol: Protocol): AnyTaskDefinition {
  return defineTask({
    type: `${protocol.name}.move`,
    aliases: [`${protocol.kestra}.Move`],
    title: `${protocol.title} move`,
    description: `Moves (renames) a file of an ${protocol.title} server, creating the folders of \`to\` as needed. A \`to\` ending in \`/\` is a folder, which keeps the file's name. An existing file at \`to\` fails the task unless \`overwrite\`.`,
    properties: T.Object({
      ...connectionSchema(protocol),
      from: T.String({ minLength: 1, description: 'The server path of the file' }),
      to: T.String({ minLength: 1, description: 'Its new path, or a folder (ending in `/`)' }),
      overwrite: T.Optional(T.Boolean({ default: false, description: 'Replace a file already at `to`' })),
    }),
    outputs: T.Object({
      from: T.String({ description: 'The former path, as a server URI' }),
      to: T.String({ description: 'The new path, as a server URI' }),
    }),
    examples: [
      {
        title: 'Archive a file',
        code: example(protocol, 'move', 'Move', ['from: /in/readings.csv', 'to: /archive/']),
      },
    ],
    async run(props) {
      return withSession(protocol, props, async (session) => {
        const from = session.resolve(props.from);
        if (!(await session.fs.stat(from)))
          throw new TaskError(`from: nothing at ${session.uri(from)}`, false);
        const to = session.resolve(props.to.endsWith('/') ? `${props.to}${posix.basename(from)}` : props.to);
        if (await session.fs.stat(to)) {
          if (!props.overwrite)
            throw new TaskError(
              `to: ${session.uri(to)} exists (set \`overwrite: true\` to replace it)`,
              false,
            );
          await session.fs.delete(to);
        }
        await session.fs.mkdirs(posix.dirname(to));
        await session.fs.rename(from, to);
        return { outputs: { from: session.uri(from), to: session.uri(to) } };
      });
    },
  });
}
