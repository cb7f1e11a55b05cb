/** Namespace files on the hub: every write a revision, a delete a tombstone; live files held in memory for reads. */
import { and, asc, eq, type SQL, sql } from 'drizzle-orm';
import { namespaceFilePath } from '../../protocol/namespace-files.js';
import type { NamespaceFileInfo } from '../../protocol/plugin.js';
import { MemoryNamespaceFiles } from '../../runtime/namespace-files.js';
import type { Db } from './db.js';
import { namespaceFileRevisions, namespaceFiles } from './schema.js';
import type { NamespaceFileRepository, NamespaceFileRevision } from './types.js';

/** First key of the advisory locks taken on a namespace file while its revisions change. */
const FILE_LOCK_CLASS = 0x6e736669; // 'nsfi'

/**
 * {@link NamespaceFileRepository} on drizzle. Reads (`get`, `list`) are served from memory, loaded at open
 * and written through, because expressions read files synchronously (`read()`); like the KV store, each hub
 * replica holds them, and reads a file again when another says it changed it (`reload`). Writes to one file
 * are serialised by a transaction-scoped advisory lock.
 */
export class DrizzleNamespaceFileRepository implements NamespaceFileRepository {
  private readonly live: MemoryNamespaceFiles;
  private readonly committed = new Set<(namespace: string, path: string) => void>();

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {
    this.live = new MemoryNamespaceFiles(now);
  }

  /** Loads every live file's latest revision into memory, and forgets the files deleted since the last load. */
  async load(): Promise<void> {
    const rows = await this.liveRows(eq(namespaceFiles.deleted, false));
    const kept = new Set(rows.map((r) => `${r.namespace}\n${r.path}`));
    for (const namespace of this.live.namespaceNames())
      for (const file of this.live.list(namespace))
        if (!kept.has(`${namespace}\n${file.path}`)) this.live.forget(namespace, file.path);
    for (const row of rows) this.hold(row);
  }

  /**
   * Reads one file again from the database: another hub replica wrote or
   * deleted it (docs/decisions/hub.md, "Several hubs").
   */
  async reload(namespace: string, path: string): Promise<void> {
    const [row] = await this.liveRows(and(byFile(namespace, path), eq(namespaceFiles.deleted, false)));
    if (row) this.hold(row);
    else this.live.forget(namespace, path);
  }

  /** Calls `listener` after each committed write or delete of a file here; returns the unsubscribe function. */
  onCommitted(listener: (namespace: string, path: string) => void): () => void {
    this.committed.add(listener);
    return () => this.committed.delete(listener);
  }

  private liveRows(where: SQL | undefined) {
    return this.db
      .select({
        namespace: namespaceFiles.namespace,
        path: namespaceFiles.path,
        revision: namespaceFiles.revision,
        size: namespaceFiles.size,
        updatedAt: namespaceFiles.updatedAt,
        content: namespaceFileRevisions.content,
      })
      .from(namespaceFiles)
      .innerJoin(
        namespaceFileRevisions,
        and(
          eq(namespaceFileRevisions.namespace, namespaceFiles.namespace),
          eq(namespaceFileRevisions.path, namespaceFiles.path),
          eq(namespaceFileRevisions.revision, namespaceFiles.revision),
        ),
      )
      .where(where);
  }

  private hold(row: Awaited<ReturnType<typeof this.liveRows>>[number]): void {
    const { namespace, path, revision, size, updatedAt } = row;
    this.live.hold(namespace, {
      info: { path, size, revision, updatedAt: updatedAt.toISOString() },
      content: row.content ?? Buffer.alloc(0),
    });
  }

  private told(namespace: string, path: string): void {
    for (const listener of this.committed) listener(namespace, path);
  }

  get(namespace: string, path: string): Uint8Array | undefined {
    return this.live.get(namespace, path);
  }

  list(namespace: string): NamespaceFileInfo[] {
    return this.live.list(namespace);
  }

  namespaces(): string[] {
    return this.live.namespaceNames();
  }

  /** Stores the bytes as a new revision unless they are the live latest ones, byte for byte. */
  async put(namespace: string, path: string, content: Uint8Array): Promise<NamespaceFileInfo> {
    const clean = this.live.admit(namespace, path, content.byteLength);
    const current = this.live.get(namespace, clean);
    if (current && Buffer.compare(Buffer.from(current), Buffer.from(content)) === 0) {
      return this.live.list(namespace).find((f) => f.path === clean)!;
    }
    const bytes = Buffer.from(content);
    const info = await this.db.transaction(async (tx) => {
      const revision = (await lockAndLatest(tx, namespace, clean)) + 1;
      const now = new Date(this.now());
      const size = bytes.byteLength;
      await tx
        .insert(namespaceFileRevisions)
        .values({ namespace, path: clean, revision, size, content: bytes, createdAt: now });
      const values = { namespace, path: clean, revision, size, deleted: false, updatedAt: now };
      await tx
        .insert(namespaceFiles)
        .values(values)
        .onConflictDoUpdate({ target: [namespaceFiles.namespace, namespaceFiles.path], set: values });
      return { path: clean, size, revision, updatedAt: now.toISOString() };
    });
    this.live.hold(namespace, { info, content: bytes });
    this.told(namespace, clean);
    return info;
  }

  /** A tombstone revision; false when there was no live file. */
  async delete(namespace: string, path: string): Promise<boolean> {
    const clean = namespaceFilePath(path);
    const deleted = await this.db.transaction(async (tx) => {
      const revision = (await lockAndLatest(tx, namespace, clean)) + 1;
      const [current] = await tx.select().from(namespaceFiles).where(byFile(namespace, clean));
      if (!current || current.deleted) return false;
      const now = new Date(this.now());
      await tx
        .insert(namespaceFileRevisions)
        .values({ namespace, path: clean, revision, size: 0, content: null, deleted: true, createdAt: now });
      await tx
        .update(namespaceFiles)
        .set({ revision, size: 0, deleted: true, updatedAt: now })
        .where(byFile(namespace, clean));
      return true;
    });
    this.live.forget(namespace, clean);
    if (deleted) this.told(namespace, clean);
    return deleted;
  }

  /** Every revision of one file, oldest first, tombstones included. */
  async revisions(namespace: string, path: string): Promise<NamespaceFileRevision[]> {
    const rows = await this.db
      .select({
        revision: namespaceFileRevisions.revision,
        size: namespaceFileRevisions.size,
        deleted: namespaceFileRevisions.deleted,
        createdAt: namespaceFileRevisions.createdAt,
      })
      .from(namespaceFileRevisions)
      .where(byRevisionOf(namespace, namespaceFilePath(path)))
      .orderBy(asc(namespaceFileRevisions.revision));
    return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
  }

  /** The bytes of one revision; undefined for a tombstone or an unknown revision. */
  async revisionContent(namespace: string, path: string, revision: number): Promise<Uint8Array | undefined> {
    const [row] = await this.db
      .select({ content: namespaceFileRevisions.content })
      .from(namespaceFileRevisions)
      .where(
        and(byRevisionOf(namespace, namespaceFilePath(path)), eq(namespaceFileRevisions.revision, revision)),
      );
    return row?.content ?? undefined;
  }
}

function byFile(namespace: string, path: string): SQL | undefined {
  return and(eq(namespaceFiles.namespace, namespace), eq(namespaceFiles.path, path));
}

function byRevisionOf(namespace: string, path: string): SQL | undefined {
  return and(eq(namespaceFileRevisions.namespace, namespace), eq(namespaceFileRevisions.path, path));
}

/** Locks the file for this transaction and returns its latest revision number (0 for a new file). */
async function lockAndLatest(tx: Db, namespace: string, path: string): Promise<number> {
  await tx.execute(
    sql`SELECT pg_advisory_xact_lock(${FILE_LOCK_CLASS}::int, hashtext(${`${namespace}/${path}`}))`,
  );
  const [row] = await tx
    .select({ latest: sql<number | null>`max(${namespaceFileRevisions.revision})` })
    .from(namespaceFileRevisions)
    .where(byRevisionOf(namespace, path));
  return Number(row?.latest ?? 0);
}
