/** A small cache for compiled templates that drops the least recently used ones, approximately. */

interface Entry<V> {
  value: V;
  used: boolean;
}

/**
 * Map-backed, with a second chance instead of strict LRU order: a hit only marks its entry, so
 * that a hit costs one lookup; when full, the oldest entries that were used since they last came
 * round move to the young end and the first unused one is dropped.
 */
export class LruCache<K, V> {
  private readonly entries = new Map<K, Entry<V>>();

  constructor(readonly capacity: number) {}

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    entry.used = true;
    return entry.value;
  }

  set(key: K, value: V): void {
    if (this.capacity <= 0) return;
    const existing = this.entries.get(key);
    if (existing) {
      existing.value = value;
      return;
    }
    if (this.entries.size >= this.capacity) this.evict();
    this.entries.set(key, { value, used: false });
  }

  private evict(): void {
    for (const [key, entry] of this.entries) {
      this.entries.delete(key);
      if (!entry.used) return;
      entry.used = false;
      this.entries.set(key, entry);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
