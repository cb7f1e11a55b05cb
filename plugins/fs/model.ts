/** The schemas the sftp.* and ftp.* types share: Kestra's `File` model, the listing and archiving properties, and what to do with files taken. */
import { posix } from 'node:path';
import { Type as T } from '@sinclair/typebox';
import type { RemoteEntry, Session } from './remote.js';

/** Kestra's `io.kestra.plugin.fs.vfs.models.File`. */
export const FileSchema = T.Object({
  name: T.String({ description: 'File name' }),
  path: T.String({
    description:
      'Where the file is: its server path in a listing, its storage URI once downloaded, its new server path once moved',
  }),
  fileType: T.Union([T.Literal('FILE'), T.Literal('FOLDER')]),
  symbolicLink: T.Boolean(),
  size: T.Integer({ description: 'Bytes' }),
  updatedDate: T.Optional(T.String({ description: 'Modification date, ISO-8601, when the server says' })),
  accessDate: T.Optional(T.String({ description: 'Access date, ISO-8601 (SFTP)' })),
  permissions: T.Optional(T.Integer({ description: 'Unix permission bits (SFTP)' })),
  userId: T.Optional(T.Integer({ description: 'Owner uid (SFTP)' })),
  groupId: T.Optional(T.Integer({ description: 'Group gid (SFTP)' })),
});

export const FilesOutput = T.Array(FileSchema, { description: 'The files, in path order' });

export type Action = 'MOVE' | 'DELETE' | 'NONE';

/** The properties of a listing (List, Downloads and the trigger). */
export const ListingSchema = {
  from: T.String({ minLength: 1, description: 'The folder to list' }),
  regExp: T.Optional(
    T.String({ description: "A regular expression the file's whole server path must match" }),
  ),
  recursive: T.Optional(T.Boolean({ default: false, description: 'List the folders below too' })),
  maxFiles: T.Optional(
    T.Union([T.Integer({ minimum: 1 }), T.String({ pattern: '^\\d+$' })], {
      default: 25,
      description: 'At most this many files are taken; the rest wait (a warning says so)',
    }),
  ),
};

/** What Downloads and the trigger do with the files taken. */
export const ArchiveSchema = {
  action: T.Optional(
    T.Union([T.Literal('MOVE'), T.Literal('DELETE'), T.Literal('NONE')], {
      description: 'What becomes of each file taken: moved to `moveDirectory`, deleted, or left (NONE)',
    }),
  ),
  moveDirectory: T.Optional(
    T.String({ description: 'Where `action: MOVE` puts the files (created if missing)' }),
  ),
};

/** A problem with `action` and `moveDirectory` together, or undefined. */
export function archiveProblem(props: { action?: Action; moveDirectory?: string }): string | undefined {
  if (props.action === 'MOVE' && !props.moveDirectory) return '`action: MOVE` needs `moveDirectory`';
  return undefined;
}

/** The files of a listing a flow asked for: files only, matching `regExp`, at most `maxFiles`. */
export function selectFiles(
  entries: RemoteEntry[],
  matches: (path: string) => boolean,
  maxFiles: number | string | undefined,
): { files: RemoteEntry[]; left: number } {
  const files = entries.filter((e) => e.fileType === 'FILE' && matches(e.path));
  const max = Number(maxFiles ?? 25);
  return { files: files.slice(0, max), left: Math.max(0, files.length - max) };
}

/** Moves `file` into `moveDirectory` (resolved) or deletes it; returns where it now is, or undefined when deleted. */
export async function archive(
  session: Session,
  file: RemoteEntry,
  action: Action,
  moveDirectory: string | undefined,
): Promise<string | undefined> {
  if (action === 'DELETE') {
    await session.fs.delete(file.path);
    return undefined;
  }
  if (action === 'MOVE' && moveDirectory) {
    const dir = session.resolve(moveDirectory);
    await session.fs.mkdirs(dir);
    const to = posix.join(dir, file.name);
    await session.fs.rename(file.path, to);
    return to;
  }
  return file.path;
}
