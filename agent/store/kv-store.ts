/** Namespaced key-value store in the `kv` table: JSON values, optional time to live. */
import type { Database, Statement } from 'better-sqlite3';
import type { KvStore } from '../../protocol/plugin.js';

interface KvRow {
  value: string;
  expires_at: number | null;
}

/**
 * Reads and writes go straight to the database, not through the execution
 * write queue: KV writes are rare, and a value set by one task must be visible
 * to the next at once. Expired keys read as absent and are deleted when met.
 *
 * @example
 * kv.set('plant1', 'last_reading', { temp: 21.5 }, 60_000);
 * kv.get('plant1', 'last_reading'); // { temp: 21.5 } for the next minute, then undefined
 */
export class SqliteKvStore implements KvStore {
  private readonly select: Statement<[string, string], KvRow>;
  private readonly upsert: Statement<[string, string, string, number | null]>;
  private readonly remove: Statement<[string, string], { expires_at: number | null }>;

  constructor(
    db: Database,
    private readonly now: () => number = Date.now,
  ) {
    this.select = db.prepare('SELECT value, expires_at FROM kv WHERE namespace = ? AND key = ?');
    this.upsert = db.prepare(
      `INSERT INTO kv (namespace, key, value, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
    );
    this.remove = db.prepare('DELETE FROM kv WHERE namespace = ? AND key = ? RETURNING expires_at');
  }

  /** The stored value, or undefined when the key is missing or expired. */
  get(namespace: string, key: string): unknown {
    const row = this.select.get(namespace, key);
    if (!row) return undefined;
    if (this.expired(row.expires_at)) {
      this.remove.run(namespace, key);
      return undefined;
    }
    return JSON.parse(row.value);
  }

  /** Stores a JSON-serialisable value, replacing any earlier one; `ttlMs` makes it expire. */
  set(namespace: string, key: string, value: unknown, ttlMs?: number): void {
    const json = JSON.stringify(value);
    if (json === undefined) {
      throw new TypeError(`kv ${namespace}/${key}: a ${typeof value} value cannot be stored as JSON`);
    }
    if (ttlMs !== undefined && !(ttlMs > 0)) {
      throw new RangeError(
        `kv ${namespace}/${key}: time to live must be a positive number of ms, got ${ttlMs}`,
      );
    }
    this.upsert.run(namespace, key, json, ttlMs === undefined ? null : this.now() + ttlMs);
  }

  /** Deletes a key; true when a live (not expired) value was there. */
  delete(namespace: string, key: string): boolean {
    const row = this.remove.get(namespace, key);
    return row !== undefined && !this.expired(row.expires_at);
  }

  private expired(expiresAt: number | null): boolean {
    return expiresAt !== null && expiresAt <= this.now();
  }
}
