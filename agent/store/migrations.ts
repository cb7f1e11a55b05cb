/** The local store's schema as an ordered list of migrations, tracked with `PRAGMA user_version`. */
import type { Database } from 'better-sqlite3';

/** One schema step; `version` is the `user_version` the database has once it is applied. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * Append only: a released migration is never edited, a change is a new entry.
 * Rows keep their full record as JSON in `doc`; the other columns are copies
 * of the fields we filter or sort on.
 *
 * There are no foreign keys from `task_runs` or `logs` to `executions`: a
 * write batch is committed all or nothing, and a record that happens to arrive
 * before its execution must not cost the whole batch.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'executions, task runs, logs and kv',
    sql: `
      CREATE TABLE executions (
        id TEXT PRIMARY KEY,
        namespace TEXT NOT NULL,
        flow_id TEXT NOT NULL,
        state TEXT NOT NULL,
        start_date TEXT NOT NULL,
        end_date TEXT,
        doc TEXT NOT NULL
      );
      CREATE INDEX executions_by_state ON executions (state, start_date);

      CREATE TABLE task_runs (
        id TEXT PRIMARY KEY,
        execution_id TEXT NOT NULL,
        state TEXT NOT NULL,
        doc TEXT NOT NULL
      );
      CREATE INDEX task_runs_by_execution ON task_runs (execution_id);

      CREATE TABLE logs (
        id INTEGER PRIMARY KEY,
        execution_id TEXT NOT NULL,
        task_run_id TEXT,
        task_id TEXT,
        attempt INTEGER,
        ts TEXT NOT NULL,
        level TEXT NOT NULL,
        message TEXT NOT NULL
      );
      CREATE INDEX logs_by_execution ON logs (execution_id, id);

      CREATE TABLE kv (
        namespace TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        expires_at INTEGER,
        PRIMARY KEY (namespace, key)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'sync outbox, assigned flows and agent state',
    // AUTOINCREMENT: a seq is never reused, even once the rows before it are
    // acknowledged and deleted, because the hub deduplicates by (agent, seq).
    sql: `
      CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      );

      CREATE TABLE assigned_flows (
        namespace TEXT NOT NULL,
        id TEXT NOT NULL,
        revision INTEGER NOT NULL,
        hash TEXT NOT NULL,
        source TEXT NOT NULL,
        PRIMARY KEY (namespace, id)
      ) WITHOUT ROWID;

      CREATE TABLE agent_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: 'trigger state',
    sql: `
      CREATE TABLE trigger_state (
        namespace TEXT NOT NULL,
        flow_id TEXT NOT NULL,
        trigger_id TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (namespace, flow_id, trigger_id, key)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    name: 'namespace files',
    sql: `
      CREATE TABLE namespace_files (
        namespace TEXT NOT NULL,
        path TEXT NOT NULL,
        revision INTEGER NOT NULL,
        content BLOB NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (namespace, path)
      ) WITHOUT ROWID;
    `,
  },
];

/**
 * Brings `db` up to the last of `migrations`, each step in its own transaction
 * together with its `user_version`, and returns the resulting version. A
 * database written by a newer Tern (a higher version than we know) is refused
 * rather than guessed at.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new Error(
      `database ${db.name} has schema version ${current}, newer than this version of Tern knows (${latest})`,
    );
  }
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      // user_version lives in the database header, so it commits or rolls back with the step.
      db.pragma(`user_version = ${Math.trunc(migration.version)}`);
    })();
  }
  return Math.max(current, latest);
}
