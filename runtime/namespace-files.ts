/** Namespace files: path rules, size limits, Kestra's glob selection, and the in-memory view stores serve reads from. */
import { TernError } from '../protocol/errors.js';
import type { NamespaceFileInfo, NamespaceFileStore } from '../protocol/plugin.js';

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

/** A stored file as the in-memory view holds it. */
export interface HeldNamespaceFile {
  info: NamespaceFileInfo;
  content: Uint8Array;
}

/**
 * Namespace files held in memory: the whole store where nothing needs to last (tests, `tern run` without a
 * data folder), and the read side of the hub's store, which loads the database at open and writes through.
 * `put` and `delete` here only change memory; a durable store checks with {@link admit} before writing.
 */
export class MemoryNamespaceFiles implements NamespaceFileStore {
  private readonly namespaces = new Map<string, Map<string, HeldNamespaceFile>>();

  constructor(private readonly now: () => number = Date.now) {}

  get(namespace: string, path: string): Uint8Array | undefined {
    return this.namespaces.get(namespace)?.get(namespaceFilePath(path))?.content;
  }

  list(namespace: string): NamespaceFileInfo[] {
    const files = this.namespaces.get(namespace);
    if (!files) return [];
    return [...files.values()]
      .map((f) => f.info)
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Namespaces holding at least one file, sorted. */
  namespaceNames(): string[] {
    return [...this.namespaces.keys()].sort();
  }

  /**
   * Throws when writing `size` bytes to `path` would break a limit: the file's own size, or the namespace's
   * total with the file's current size taken out. Returns the normalised path.
   */
  admit(namespace: string, path: string, size: number): string {
    const clean = namespaceFilePath(path);
    checkNamespaceFileSize(clean, size);
    const files = this.namespaces.get(namespace);
    let total = size;
    for (const [p, f] of files ?? []) if (p !== clean) total += f.info.size;
    if (total > MAX_NAMESPACE_BYTES) {
      throw new TernError(
        'PAYLOAD_TOO_LARGE',
        `namespace '${namespace}' would hold ${total} bytes of files, more than the ${MAX_NAMESPACE_BYTES} allowed`,
      );
    }
    return clean;
  }

  async put(namespace: string, path: string, content: Uint8Array): Promise<NamespaceFileInfo> {
    const clean = this.admit(namespace, path, content.byteLength);
    const revision = (this.namespaces.get(namespace)?.get(clean)?.info.revision ?? 0) + 1;
    const info = {
      path: clean,
      size: content.byteLength,
      revision,
      updatedAt: new Date(this.now()).toISOString(),
    };
    this.hold(namespace, { info, content });
    return info;
  }

  async delete(namespace: string, path: string): Promise<boolean> {
    return this.forget(namespace, namespaceFilePath(path));
  }

  /** Holds a file as given (a durable store's row, revision included). */
  hold(namespace: string, file: HeldNamespaceFile): void {
    const files = this.namespaces.get(namespace) ?? new Map<string, HeldNamespaceFile>();
    this.namespaces.set(namespace, files);
    files.set(file.info.path, file);
  }

  /** Drops a file; true when it was held. */
  forget(namespace: string, path: string): boolean {
    const files = this.namespaces.get(namespace);
    const had = files?.delete(path) ?? false;
    if (files?.size === 0) this.namespaces.delete(namespace);
    return had;
  }
}
