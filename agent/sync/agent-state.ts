/** Small durable facts about the agent (acked seq, dropped count, applied generation) in the `agent_state` table. */
import type { Database, Statement } from 'better-sqlite3';

/** Keys used in `agent_state`, named once. */
export const STATE_KEYS = {
  ackedSeq: 'outbox.ackedSeq',
  /** The store's id, made when the store is: its seqs are counted from 1 under it. */
  storeId: 'outbox.storeId',
  dropped: 'outbox.dropped',
  generation: 'desired.generation',
  decommissioned: 'desired.decommissioned',
  /** JSON array of the hub public keys the agent trusts (agent/sync/hub-keys.ts). */
  hubKeys: 'hub.keys',
} as const;

/** Reads and writes `agent_state`; each write commits at once (or with the caller's transaction). */
export class AgentState {
  private readonly select: Statement<[string], { value: string }>;
  private readonly upsert: Statement<[string, string]>;

  constructor(db: Database) {
    this.select = db.prepare('SELECT value FROM agent_state WHERE key = ?');
    this.upsert = db.prepare(
      'INSERT INTO agent_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }

  get(key: string): string | undefined {
    return this.select.get(key)?.value;
  }

  /** The value as a number; `fallback` when missing or not a number. */
  number(key: string, fallback = 0): number {
    const n = Number(this.get(key));
    return Number.isFinite(n) ? n : fallback;
  }

  set(key: string, value: string | number | boolean): void {
    this.upsert.run(key, String(value));
  }
}
