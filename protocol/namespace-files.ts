/** Namespace files' rules, shared by stores, the API and plugins: paths, size limits, Kestra's glob selection. */
import { TernError } from './errors.js';

/** Largest namespace file, in bytes (10 MiB): files are held in memory to be read by synchronous expressions. */
export const MAX_NAMESPACE_FILE_BYTES = 10 * 1024 * 1024;

/** Largest total of one namespace's live files, in bytes (100 MiB). */
export const MAX_NAMESPACE_BYTES = 100 * 1024 * 1024;

/** Longest path of a namespace file, in characters. */
export const MAX_NAMESPACE_FILE_PATH = 1024;

/**
 * A namespace file's path in its one stored form: `/`-separated, without a leading slash, as Kestra's
 * `/scripts/a.py` and `scripts/a.py` name the same file. Throws a BAD_REQUEST TernError for an empty path,
 * `.`/`..` segments, a backslash, NUL, or a path longer than {@link MAX_NAMESPACE_FILE_PATH}.
 *
 * @example namespaceFilePath('/scripts//etl.py') // 'scripts/etl.py'
 */
export function namespaceFilePath(path: string): string {
  const segments = path.split('/').filter((s) => s !== '');
  const bad = segments.find((s) => s === '.' || s === '..' || s.includes('\\') || s.includes('\0'));
  if (segments.length === 0 || bad !== undefined) {
    throw new TernError(
      'BAD_REQUEST',
      `namespace file path '${path}' is not usable: it needs a name, and '.', '..', '\\' and NUL are refused`,
    );
  }
  const clean = segments.join('/');
  if (clean.length > MAX_NAMESPACE_FILE_PATH) {
    throw new TernError(
      'BAD_REQUEST',
      `namespace file path is longer than ${MAX_NAMESPACE_FILE_PATH} characters`,
    );
  }
  return clean;
}

/** Throws a PAYLOAD_TOO_LARGE TernError when `size` bytes exceed {@link MAX_NAMESPACE_FILE_BYTES}. */
export function checkNamespaceFileSize(path: string, size: number): void {
  if (size > MAX_NAMESPACE_FILE_BYTES) {
    throw new TernError(
      'PAYLOAD_TOO_LARGE',
      `namespace file '${path}' is ${size} bytes, more than the ${MAX_NAMESPACE_FILE_BYTES} a namespace file may hold`,
    );
  }
}

/**
 * A matcher for Kestra's glob patterns (Java's `PathMatcher` syntax, an optional `glob:` prefix): `**`
 * crosses folders, `*` and `?` do not, `{a,b}` is either. A path matches with or without its leading
 * slash, so `**.py`, `/scripts/**` and `scripts/*.py` all read as Kestra users write them.
 *
 * Written here rather than taken from minimatch: Java's rules differ (`**.py` matches `a/b.py`).
 */
export function globMatcher(pattern: string): (path: string) => boolean {
  const glob = pattern.startsWith('glob:') ? pattern.slice('glob:'.length) : pattern;
  let source = '';
  let inBraces = false;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '{' && !inBraces) {
      source += '(?:';
      inBraces = true;
    } else if (c === '}' && inBraces) {
      source += ')';
      inBraces = false;
    } else if (c === ',' && inBraces) source += '|';
    else source += c.replace(/[.+^$()|[\]\\{}]/g, '\\$&');
  }
  const regex = new RegExp(`^${source}$`, 's');
  return (path) => regex.test(path) || regex.test(`/${path}`);
}

/**
 * The paths among `paths` that match one of `include` (all when it is empty or absent) and none of
 * `exclude`: the selection of `namespaceFiles` on script tasks and of the namespace.* tasks.
 */
export function selectPaths(
  paths: readonly string[],
  include: readonly string[] | undefined,
  exclude: readonly string[] | undefined,
): string[] {
  const inc = (include ?? []).map(globMatcher);
  const exc = (exclude ?? []).map(globMatcher);
  return paths.filter((p) => (inc.length === 0 || inc.some((m) => m(p))) && !exc.some((m) => m(p)));
}
