/** Namespace files held in memory: the whole store where nothing needs to last, and the hub's read side. */
import { TernError } from '../protocol/errors.js';
import {
  checkNamespaceFileSize,
  MAX_NAMESPACE_BYTES,
  namespaceFilePath,
} from '../protocol/namespace-files.js';
import type { NamespaceFileInfo, NamespaceFileStore } from '../protocol/plugin.js';

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
