/** SQLite through better-sqlite3: a file opened for the task, a statement prepared with bound values. */
import Database from 'better-sqlite3';
import type { SqlClient } from './client.js';
import type { FileConnection } from './connection.js';
import { jsonRow } from './values.js';

/** How long a statement waits for another writer's lock, in milliseconds. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * A client for one SQLite file, opened (and created if missing) now; close
 * it after use. better-sqlite3 runs statements synchronously: long queries
 * hold the runtime's event loop, so keep them short.
 */
export function sqliteClient(connection: FileConnection): SqlClient {
  const db = new Database(connection.file, { timeout: BUSY_TIMEOUT_MS });
  const prepare = (text: string) => {
    const statement = db.prepare(text);
    // Exact 64-bit integers: jsonRow turns them into numbers when that loses nothing.
    statement.safeIntegers(true);
    return statement;
  };
  return {
    async query(statement, signal) {
      if (signal.aborted) throw signal.reason;
      const prepared = prepare(statement.text);
      if (prepared.reader)
        return { rows: prepared.all(...statement.values).map((r) => jsonRow(r as object)) };
      const info = prepared.run(...statement.values);
      return { rows: [], affectedRows: Number(info.changes) };
    },
    async stream(statement, batchSize, onRows, signal) {
      const prepared = prepare(statement.text);
      if (!prepared.reader) {
        prepared.run(...statement.values);
        return;
      }
      let batch = [];
      for (const row of prepared.iterate(...statement.values)) {
        batch.push(jsonRow(row as object));
        if (batch.length >= batchSize) {
          await onRows(batch);
          batch = [];
          if (signal.aborted) throw signal.reason;
        }
      }
      if (batch.length > 0) await onRows(batch);
    },
    async close() {
      db.close();
    },
  };
}
