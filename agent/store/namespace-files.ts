/** Namespace files in the agent's `namespace_files` table: those the hub synced, and those tasks wrote here. */
import type { Database, Statement } from 'better-sqlite3';
import { TernError } from '../../protocol/errors.js';
import {
  checkNamespaceFileSize,
  MAX_NAMESPACE_BYTES,
  namespaceFilePath,
} from '../../protocol/namespace-files.js';
import type { NamespaceFileInfo, NamespaceFileStore } from '../../protocol/plugin.js';

interface InfoRow {
  path: string;
  size: number;
  revision: number;
  updated_at: string;
}

/** A namespace file as the hub sends it: its revision and bytes. */
export interface SyncedNamespaceFile {
  path: string;
  revision: number;
  content: Uint8Array;
  updatedAt: string;
}

/**
 * Reads and writes go straight to the database, outside the execution write queue, as KV does: reads are
 * synchronous (expressions call `read()`), writes are rare. Only the latest revision of each file is kept;
 * the hub keeps the history.
 *
 * @example
 * files.get('plant1', 'scripts/etl.py'); // the bytes, or undefined
 */
export class SqliteNamespaceFiles implements NamespaceFileStore {
  private readonly select: Statement<[string, string], { content: Buffer }>;
  private readonly selectAll: Statement<[string], InfoRow>;
  private readonly selectOther: Statement<[string, string], { total: number | null }>;
  private readonly upsert: Statement<[string, string, number, Buffer, string]>;
  private readonly remove: Statement<[string, string]>;

  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {
    this.select = db.prepare('SELECT content FROM namespace_files WHERE namespace = ? AND path = ?');
    this.selectAll = db.prepare(
      'SELECT path, length(content) AS size, revision, updated_at FROM namespace_files WHERE namespace = ? ORDER BY path',
    );
    this.selectOther = db.prepare(
      'SELECT sum(length(content)) AS total FROM namespace_files WHERE namespace = ? AND path <> ?',
    );
    this.upsert = db.prepare(
      `INSERT INTO namespace_files (namespace, path, revision, content, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (namespace, path) DO UPDATE SET revision = excluded.revision, content = excluded.content,
       updated_at = excluded.updated_at`,
    );
    this.remove = db.prepare('DELETE FROM namespace_files WHERE namespace = ? AND path = ?');
  }

  get(namespace: string, path: string): Uint8Array | undefined {
    return this.select.get(namespace, namespaceFilePath(path))?.content;
  }

  list(namespace: string): NamespaceFileInfo[] {
    return this.selectAll
      .all(namespace)
      .map((r) => ({ path: r.path, size: r.size, revision: r.revision, updatedAt: r.updated_at }));
  }

  /** Writes the file here only: a file the hub also holds is replaced by the hub's at the next sync. */
  async put(namespace: string, path: string, content: Uint8Array): Promise<NamespaceFileInfo> {
    const clean = namespaceFilePath(path);
    checkNamespaceFileSize(clean, content.byteLength);
    const others = this.selectOther.get(namespace, clean)?.total ?? 0;
    if (others + content.byteLength > MAX_NAMESPACE_BYTES) {
      throw new TernError(
        'PAYLOAD_TOO_LARGE',
        `namespace '${namespace}' would hold more than the ${MAX_NAMESPACE_BYTES} bytes of files allowed`,
      );
    }
    const current = this.list(namespace).find((f) => f.path === clean);
    const revision = (current?.revision ?? 0) + 1;
    const updatedAt = new Date(this.now()).toISOString();
    this.upsert.run(namespace, clean, revision, Buffer.from(content), updatedAt);
    return { path: clean, size: content.byteLength, revision, updatedAt };
  }

  async delete(namespace: string, path: string): Promise<boolean> {
    return this.remove.run(namespace, namespaceFilePath(path)).changes > 0;
  }

  /**
   * Makes the namespace's files exactly `files` (the hub's set), in one transaction: files missing from
   * it are deleted, the others written with the hub's revision.
   */
  replaceNamespace(namespace: string, files: readonly SyncedNamespaceFile[]): void {
    // A path the hub could not have stored is refused before anything changes.
    for (const f of files)
      if (namespaceFilePath(f.path) !== f.path) throw new Error(`unusable path '${f.path}'`);
    this.db.transaction(() => {
      const keep = new Set(files.map((f) => f.path));
      for (const held of this.list(namespace))
        if (!keep.has(held.path)) this.remove.run(namespace, held.path);
      for (const f of files)
        this.upsert.run(namespace, f.path, f.revision, Buffer.from(f.content), f.updatedAt);
    })();
  }
}
