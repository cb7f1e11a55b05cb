/** The hub's KV store: synchronous reads from memory, writes through to PostgreSQL with the group commit. */

import { and, eq, or } from 'drizzle-orm';
import type { KvStore } from '../../protocol/plugin.js';
import { LAST_STORABLE_MS } from './dates.js';
import type { Db } from './db.js';
import { isStorableText, jsonText } from './json.js';
import { kv } from './schema.js';
import { type KvEntry, kvId } from './write-batch.js';

/**
 * `kv()` is called inside expressions, which are synchronous, so the whole KV
 * table is held in memory (loaded at open) and every change is queued for the
 * next group commit. Values are kept as JSON text and parsed on each read, so
 * a caller can never change the stored value by mutating what it got.
 *
 * Another hub replica's writes are read again with {@link reload} when it
 * says so (hub/cluster/changes.ts).
 *
 * @example
 * kv.set('plant1', 'last_reading', { temp: 21.5 }, 60_000);
 * kv.get('plant1', 'last_reading'); // { temp: 21.5 } for the next minute, then undefined
 */
export class CachedKvStore implements KvStore {
  private readonly entries = new Map<string, KvEntry>();

  constructor(
    private readonly now: () => number,
    /** Called with the key's id whenever its entry changes, to queue the write. */
    private readonly changed: (id: string) => void,
  ) {}

  /** Loads every live entry; expired ones are deleted from the database at the next commit. */
  async load(db: Db): Promise<void> {
    this.keep(await db.select().from(kv));
  }

  /**
   * Reads `ids` again (every key when undefined), as another process wrote them; keys for which
   * `queued` says this process has a write on its way keep the value it wrote.
   */
  async reload(db: Db, ids: readonly string[] | undefined, queued: (id: string) => boolean): Promise<void> {
    const wanted = ids?.filter((id) => !queued(id));
    if (wanted?.length === 0) return;
    const pairs = wanted?.map((id) => id.split('\u0000') as [string, string]);
    const rows = await db
      .select()
      .from(kv)
      .where(
        pairs && or(...pairs.map(([namespace, key]) => and(eq(kv.namespace, namespace), eq(kv.key, key)))),
      );
    for (const id of wanted ?? [...this.entries.keys()]) if (!queued(id)) this.entries.delete(id);
    this.keep(rows.filter((row) => !queued(kvId(row.namespace, row.key))));
  }

  private keep(rows: (typeof kv.$inferSelect)[]): void {
    const now = this.now();
    for (const row of rows) {
      const expiresAt = row.expiresAt === null ? null : row.expiresAt.getTime();
      const id = kvId(row.namespace, row.key);
      if (expiresAt !== null && expiresAt <= now) this.changed(id);
      else
        this.entries.set(id, {
          namespace: row.namespace,
          key: row.key,
          json: JSON.stringify(row.value),
          expiresAt,
        });
    }
  }

  /** The cache's entry for a key id, as the write queue stores it. */
  entry(id: string): KvEntry | undefined {
    return this.entries.get(id);
  }

  /** Drops a key the database refused to store, without queueing a write: reads then agree with the database. */
  forget(id: string): void {
    this.entries.delete(id);
  }

  /** The stored value, or undefined when the key is missing or expired. */
  get(namespace: string, key: string): unknown {
    const id = kvId(namespace, key);
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (this.expired(entry)) {
      this.entries.delete(id);
      this.changed(id);
      return undefined;
    }
    return JSON.parse(entry.json);
  }

  /** Stores a JSON-serialisable value, replacing any earlier one; `ttlMs` makes it expire. */
  set(namespace: string, key: string, value: unknown, ttlMs?: number): void {
    if (!isStorableText(namespace) || !isStorableText(key)) {
      throw new TypeError(
        `kv ${JSON.stringify(namespace)}/${JSON.stringify(key)}: names cannot hold NUL characters or UTF-16 surrogates without their pair`,
      );
    }
    let json: string;
    try {
      json = jsonText(value);
    } catch (error) {
      throw new TypeError(`kv ${namespace}/${key}: ${(error as Error).message}`);
    }
    if (ttlMs !== undefined && !(ttlMs > 0)) {
      throw new RangeError(
        `kv ${namespace}/${key}: time to live must be a positive number of ms, got ${ttlMs}`,
      );
    }
    const expiresAt = ttlMs === undefined ? null : this.now() + ttlMs;
    if (expiresAt !== null && !(expiresAt <= LAST_STORABLE_MS)) {
      throw new RangeError(`kv ${namespace}/${key}: time to live of ${ttlMs} ms ends after the year 9999`);
    }
    const id = kvId(namespace, key);
    this.entries.set(id, { namespace, key, json, expiresAt });
    this.changed(id);
  }

  /** Deletes a key; true when a live (not expired) value was there. */
  delete(namespace: string, key: string): boolean {
    const id = kvId(namespace, key);
    const entry = this.entries.get(id);
    if (!entry) return false;
    this.entries.delete(id);
    this.changed(id);
    return !this.expired(entry);
  }

  private expired(entry: KvEntry): boolean {
    return entry.expiresAt !== null && entry.expiresAt <= this.now();
  }
}
