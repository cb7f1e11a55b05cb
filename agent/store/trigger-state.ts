/** Trigger state in the agent's SQLite database (`trigger_state`): each write commits at once. */
import type { Database, Statement } from 'better-sqlite3';
import type { TriggerScope, TriggerStateStore } from '../triggers/ports.js';

type ScopeParams = [namespace: string, flowId: string, triggerId: string];

/**
 * The agent's {@link TriggerStateStore}. Writes are single-row statements in
 * WAL mode: a trigger state change (a schedule date, a payload hash) is rare
 * next to execution records, and must survive a crash right after it.
 *
 * @example
 * const state = new SqliteTriggerStateStore(store.database);
 * state.save({ namespace: 'plant', flowId: 'poll', triggerId: 'every-minute' }, 'until', 1700000000000);
 */
export class SqliteTriggerStateStore implements TriggerStateStore {
  private readonly selectAll: Statement<ScopeParams, { key: string; value: string }>;
  private readonly upsert: Statement<[...ScopeParams, string, string]>;
  private readonly deleteOne: Statement<[...ScopeParams, string]>;
  private readonly deleteAll: Statement<ScopeParams>;

  constructor(db: Database) {
    const where = 'namespace = ? AND flow_id = ? AND trigger_id = ?';
    this.selectAll = db.prepare(`SELECT key, value FROM trigger_state WHERE ${where}`);
    this.upsert = db.prepare(
      `INSERT INTO trigger_state (namespace, flow_id, trigger_id, key, value) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (namespace, flow_id, trigger_id, key) DO UPDATE SET value = excluded.value`,
    );
    this.deleteOne = db.prepare(`DELETE FROM trigger_state WHERE ${where} AND key = ?`);
    this.deleteAll = db.prepare(`DELETE FROM trigger_state WHERE ${where}`);
  }

  load(scope: TriggerScope): Map<string, unknown> {
    const rows = this.selectAll.all(...params(scope));
    return new Map(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
  }

  save(scope: TriggerScope, key: string, value: unknown): void {
    if (value === undefined) this.deleteOne.run(...params(scope), key);
    else this.upsert.run(...params(scope), key, JSON.stringify(value));
  }

  clear(scope: TriggerScope): void {
    this.deleteAll.run(...params(scope));
  }
}

function params(scope: TriggerScope): ScopeParams {
  return [scope.namespace, scope.flowId, scope.triggerId];
}
