/**
 * Execution file storage in a local directory, addressed by `tern:///<execution>/<task run>/<name>` URIs
 * (`kestra:///…` names the same files).
 */
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { TernError } from '../protocol/errors.js';
import type { FileStorage } from '../protocol/plugin.js';

/** Every URI made by {@link DirectoryFileStorage} starts with this. */
export const FILE_URI_PREFIX = 'tern:///';

/** Kestra's prefix for the same storage: `kestra:///e/t/name` and `tern:///e/t/name` are one file. */
export const KESTRA_URI_PREFIX = 'kestra:///';

/**
 * Stores a task's output files under `<root>/<executionId>/<taskRunId>/<name>`.
 * `name` may hold `/` subpaths (files matched by a glob keep their folders);
 * every segment is checked so that nothing escapes the root.
 *
 * @example
 * const files = new DirectoryFileStorage('/var/lib/tern/files');
 * const uri = await files.put(execution.id, taskRun.id, 'out/report.csv', '/tmp/work/out/report.csv');
 * // 'tern:///<executionId>/<taskRunId>/out/report.csv'
 */
export class DirectoryFileStorage implements FileStorage {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Copies `sourcePath` into storage, replacing an earlier file of the same name, and returns its URI. */
  async put(executionId: string, taskRunId: string, name: string, sourcePath: string): Promise<string> {
    const segments = [
      ...checkedSegments(executionId, 'execution id', false),
      ...checkedSegments(taskRunId, 'task run id', false),
      ...checkedSegments(name, 'file name', true),
    ];
    const target = join(this.root, ...segments);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(sourcePath, target);
    return FILE_URI_PREFIX + segments.map(encodeURIComponent).join('/');
  }

  /** True when `value` is a well-formed storage URI (whether or not the file still exists). */
  isUri(value: string): boolean {
    return isStorageUri(value);
  }

  /** The local path of a stored file; throws on anything that is not a storage URI. */
  localPath(uri: string): string {
    const segments = parseUri(uri);
    if (!segments) {
      throw new TernError('BAD_REQUEST', `'${uri}' is not a file storage URI (${FILE_URI_PREFIX}…)`);
    }
    return join(this.root, ...segments);
  }

  /** Removes the folder of an execution's files and returns the URIs of the files it held. */
  async deleteExecutionFiles(executionId: string): Promise<string[]> {
    const [segment] = checkedSegments(executionId, 'execution id', false);
    const dir = join(this.root, segment!);
    const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
    const uris = entries
      .filter((entry) => entry.isFile())
      .map((entry) => relative(this.root, join(entry.parentPath, entry.name)).split(sep))
      .map((parts) => FILE_URI_PREFIX + parts.map(encodeURIComponent).join('/'))
      .sort();
    await rm(dir, { recursive: true, force: true });
    return uris;
  }
}

/**
 * True when `value` is a well-formed storage URI, whichever storage made it.
 *
 * @example isStorageUri('tern:///e1/t1/report.csv') // true
 * @example isStorageUri('/etc/passwd') // false
 */
export function isStorageUri(value: string): boolean {
  return parseUri(value) !== undefined;
}

/**
 * Splits a URI (`tern:///` or Kestra's `kestra:///`) into safe, decoded path segments: execution, task run,
 * then at least one name segment.
 */
function parseUri(uri: string): string[] | undefined {
  const prefix = [FILE_URI_PREFIX, KESTRA_URI_PREFIX].find((p) => uri.startsWith(p));
  if (prefix === undefined) return undefined;
  const raw = uri.slice(prefix.length).split('/');
  if (raw.length < 3) return undefined;
  const segments: string[] = [];
  for (const part of raw) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      return undefined;
    }
    if (!isSafeSegment(decoded)) return undefined;
    segments.push(decoded);
  }
  return segments;
}

function checkedSegments(value: string, what: string, allowSubpath: boolean): string[] {
  const segments = allowSubpath ? value.split('/') : [value];
  if (!segments.every(isSafeSegment)) {
    throw new TernError(
      'BAD_REQUEST',
      `${what} '${value}' cannot name a stored file: empty, '.', '..' and ${allowSubpath ? '' : "'/', "}'\\' segments are refused`,
    );
  }
  return segments;
}

// Backslash is refused too: it is a separator on Windows, and a name using it is almost certainly a mistake.
function isSafeSegment(segment: string): boolean {
  return (
    segment !== '' &&
    segment !== '.' &&
    segment !== '..' &&
    !segment.includes('/') &&
    !segment.includes('\\') &&
    !segment.includes('\0')
  );
}
