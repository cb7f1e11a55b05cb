/** What `read()`, `fileExists()` and `fileSize()` reach: the execution's namespace files and internal storage. */
import { readFileSync, statSync } from 'node:fs';
import type { FileStorage, NamespaceFileStore } from '../../protocol/plugin.js';
import type { ExpressionFunctions } from '../expr/index.js';

type ExpressionFiles = NonNullable<ExpressionFunctions['files']>;

/**
 * The files an execution of `namespace` reads in expressions. A `tern:///` or `kestra:///` URI is a file of
 * internal storage (a FILE input, a task's output file); anything else is a namespace file of the flow's
 * namespace. Reads are synchronous, as renders are: namespace files are served from the store's memory or
 * its local database.
 *
 * @example expressionFiles(store.files, store.namespaceFiles, 'plant1').read('sql/report.sql')
 */
export function expressionFiles(
  storage: FileStorage,
  namespaceFiles: NamespaceFileStore,
  namespace: string,
): ExpressionFiles {
  const bytes = (path: string): Uint8Array | undefined => {
    if (storage.isUri(path)) {
      try {
        return readFileSync(storage.localPath(path));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    }
    return namespaceFiles.get(namespace, path);
  };
  const missing = (path: string): Error =>
    new Error(
      storage.isUri(path)
        ? `no file at '${path}' in internal storage`
        : `no namespace file '${path}' in namespace '${namespace}'`,
    );
  return {
    read(path) {
      const content = bytes(path);
      if (content === undefined) throw missing(path);
      return Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString('utf8');
    },
    exists(path) {
      if (storage.isUri(path)) {
        try {
          return statSync(storage.localPath(path)).isFile();
        } catch {
          return false;
        }
      }
      return namespaceFiles.get(namespace, path) !== undefined;
    },
    size(path) {
      if (storage.isUri(path)) {
        try {
          return statSync(storage.localPath(path)).size;
        } catch {
          throw missing(path);
        }
      }
      const content = namespaceFiles.get(namespace, path);
      if (content === undefined) throw missing(path);
      return content.byteLength;
    },
  };
}
