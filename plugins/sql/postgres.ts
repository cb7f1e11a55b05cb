/** PostgreSQL through postgres.js: bound parameters, cancelled on abort, rows streamed by a cursor. */
import { createRequire } from 'node:module';
import type postgres from 'postgres';
import { lazyModule } from '../lazy.js';
import { abortable, type SqlClient } from './client.js';
import type { NetworkConnection } from './connection.js';
import { jsonRow, type Row } from './values.js';

// Named `require` with a literal id so that the agent's bundler (scripts/build-agent.mjs) bundles the driver.
const require = createRequire(import.meta.url);

const postgresJs = lazyModule<typeof postgres>(() => require('postgres'));

/** Seconds an unused connection stays open. */
const IDLE_SECONDS = 60;

const asText = (x: string) => x;

/**
 * Type parsers that keep values as PostgreSQL prints them where a JS Date
 * would shift them into the agent's time zone (`date`, `timestamp` without
 * zone), and read int8 as a number when it is exact.
 */
const types = {
  ternDate: { to: 1082, from: [1082], parse: asText },
  ternTimestamp: { to: 1114, from: [1114], parse: asText },
  ternInt8: {
    to: 20,
    from: [20],
    parse: (x: string) => (Number.isSafeInteger(Number(x)) ? Number(x) : x),
  },
};

const DATA_CHANGES = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

type Params = Parameters<postgres.Sql['unsafe']>[1];

/** A client for one PostgreSQL server and role, with a small pool of connections. */
export function postgresClient(connection: NetworkConnection): SqlClient {
  const sql = postgresJs()(connection.url, {
    username: connection.username,
    password: connection.password,
    max: 4,
    idle_timeout: IDLE_SECONDS,
    connect_timeout: 10,
    onnotice: () => undefined,
    // biome-ignore lint/suspicious/noExplicitAny: postgres.js types custom parsers loosely.
    types: types as any,
  });
  return {
    async query(statement, signal) {
      const query = sql.unsafe(statement.text, statement.values as Params);
      const result = await abortable(Promise.resolve(query), signal, () => query.cancel());
      const rows: Row[] = result.map(jsonRow);
      if (result.command && DATA_CHANGES.has(result.command) && !result.columns?.length) {
        return { rows, affectedRows: result.count };
      }
      return { rows };
    },
    async stream(statement, batchSize, onRows, signal) {
      const query = sql.unsafe(statement.text, statement.values as Params);
      const cancel = () => query.cancel();
      signal.addEventListener('abort', cancel, { once: true });
      try {
        for await (const batch of query.cursor(batchSize)) {
          await onRows(batch.map(jsonRow));
          if (signal.aborted) break;
        }
      } finally {
        signal.removeEventListener('abort', cancel);
      }
      if (signal.aborted) throw signal.reason;
    },
    close: () => sql.end({ timeout: 5 }),
  };
}
