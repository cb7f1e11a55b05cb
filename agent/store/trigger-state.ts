/** Trigger state in the agent's SQLite database (`trigger_state`), written through the store's group commit. */
import type { Statement } from 'better-sqlite3';
import type { TriggerScope, TriggerStateStore } from '../../runtime/triggers/ports.js';
import type { SqliteStore } from './sqlite-store.js';

type ScopeParams = [namespace: string, flowId: string, triggerId: string];

/**
 * The agent's {@link TriggerStateStore}. Writes join the store's queue: a
 * state change (a schedule date, the payload hashes of an MQTT topic) commits
 * in the same transaction as the execution it starts, so after a crash either
 * both are there or neither is. Repeated saves of one key in a batch write once.
 *
 * @example
 * const state = new SqliteTriggerStateStore(store);
 * state.save({ namespace: 'plant', flowId: 'poll', triggerId: 'every-minute' }, 'until', 1700000000000);
 */
export class SqliteTriggerStateStore implements TriggerStateStore {
  private readonly selectAll: Statement<ScopeParams, { key: string; value: string }>;
  private readonly upsert: Statement<unknown[]>;
  private readonly deleteOne: Statement<unknown[]>;
  private readonly deleteAll: Statement<unknown[]>;

  constructor(private readonly store: SqliteStore) {
    const db = store.database;
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
    this.store.commitNow();
    const rows = this.selectAll.all(...params(scope));
    return new Map(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
  }

  save(scope: TriggerScope, key: string, value: unknown): void {
    const [namespace, flowId, triggerId] = params(scope);
    const queueKey = `${prefix(scope)}${key}`;
    // A value is serialised when its batch commits: one saved again before then is serialised once.
    if (value === undefined)
      this.store.queueWrite(this.deleteOne, [namespace, flowId, triggerId, key], { key: queueKey });
    else
      this.store.queueWrite(this.upsert, () => [namespace, flowId, triggerId, key, JSON.stringify(value)], {
        key: queueKey,
      });
  }

  clear(scope: TriggerScope): void {
    this.store.queueWrite(this.deleteAll, params(scope), { fence: prefix(scope) });
  }
}

function params(scope: TriggerScope): ScopeParams {
  return [scope.namespace, scope.flowId, scope.triggerId];
}

const prefixes = new WeakMap<TriggerScope, string>();

/** Queue key prefix of one trigger's state (an MQTT trigger saves for every message: made once per scope). */
function prefix(scope: TriggerScope): string {
  let text = prefixes.get(scope);
  if (text === undefined) {
    text = `s:${JSON.stringify(params(scope))}:`;
    prefixes.set(scope, text);
  }
  return text;
}
