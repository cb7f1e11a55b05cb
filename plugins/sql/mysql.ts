/** MySQL and MariaDB through mysql2: server-side prepared statements, the connection dropped on abort. */
import { createRequire } from 'node:module';
import type { PoolConnection, ResultSetHeader } from 'mysql2/promise';
import { lazyModule } from '../lazy.js';
import { abortable, type SqlClient } from './client.js';
import type { NetworkConnection } from './connection.js';
import { jsonRow, type Row } from './values.js';

// Named `require` with a literal id so that the agent's bundler (scripts/build-agent.mjs) bundles the driver.
const require = createRequire(import.meta.url);

const mysql = lazyModule<typeof import('mysql2/promise')>(() => require('mysql2/promise'));

/** Milliseconds an unused connection stays open. */
const IDLE_MS = 60_000;

type Result = Awaited<ReturnType<PoolConnection['query']>>[0];

const isHeader = (result: Result): result is ResultSetHeader => !Array.isArray(result);

/** A client for one MySQL or MariaDB server and user, with a small pool of connections. */
export function mysqlClient(connection: NetworkConnection): SqlClient {
  const pool = mysql().createPool({
    uri: connection.url,
    user: connection.username,
    password: connection.password,
    connectionLimit: 4,
    maxIdle: 0,
    idleTimeout: IDLE_MS,
    connectTimeout: 10_000,
    // Dates as the server prints them: a JS Date would move them into the agent's time zone.
    dateStrings: true,
    supportBigNumbers: true,
    multipleStatements: false,
  });

  /** Runs on a connection of its own, destroyed (ending the query) when `signal` aborts. */
  async function run(text: string, values: unknown[], signal: AbortSignal): Promise<Result> {
    const conn = await abortable(pool.getConnection(), signal, () => undefined);
    let destroyed = false;
    try {
      // Values go through the binary protocol's prepared statements; without any, the text protocol
      // runs statements it cannot prepare (some DDL and administration statements).
      const work = values.length > 0 ? conn.execute(text, values as never[]) : conn.query(text);
      const [result] = await abortable(work, signal, () => {
        destroyed = true;
        // Dropping the connection stops the client; KILL QUERY stops the server's work as well.
        pool.query(`KILL QUERY ${Number(conn.threadId)}`).catch(() => undefined);
        conn.destroy();
      });
      return result;
    } finally {
      if (!destroyed) conn.release();
    }
  }

  return {
    async query(statement, signal) {
      const result = await run(statement.text, statement.values, signal);
      if (isHeader(result)) return { rows: [], affectedRows: result.affectedRows };
      return { rows: (result as object[]).map(jsonRow) };
    },
    async stream(statement, batchSize, onRows, signal) {
      // mysql2 streams only the text protocol, which puts the values into the SQL: read all, hand out in batches.
      const result = await run(statement.text, statement.values, signal);
      const rows: Row[] = isHeader(result) ? [] : (result as object[]).map(jsonRow);
      for (let i = 0; i < rows.length; i += batchSize) await onRows(rows.slice(i, i + batchSize));
    },
    close: () => pool.end(),
  };
}
