/** What `sql.query` needs of a database driver, and the runtime-wide set of open clients. */
import type { SharedResource } from '../../protocol/plugin.js';
import type { Connection } from './connection.js';
import type { Statement } from './placeholders.js';
import type { Row } from './values.js';

/** The outcome of one statement. */
export interface QueryResult {
  /** The rows it returned; none for a statement that returns no rows. */
  rows: Row[];
  /** Rows inserted, updated or deleted, for a statement that changes data and returns no rows. */
  affectedRows?: number;
}

/** One database, reached through its driver. */
export interface SqlClient {
  /** Runs one statement with its values bound; rejects with the driver's error, or once `signal` aborts. */
  query(statement: Statement, signal: AbortSignal): Promise<QueryResult>;
  /**
   * Runs one statement and hands its rows to `onRows` in batches of about
   * `batchSize`, without holding them all (where the driver allows it).
   */
  stream(
    statement: Statement,
    batchSize: number,
    onRows: (rows: Row[]) => Promise<void>,
    signal: AbortSignal,
  ): Promise<void>;
  close(): Promise<void>;
}

/** Key of the clients in `PluginHost.shared`. */
export const CLIENTS_KEY = 'sql.clients';

/**
 * Clients of network databases kept for the runtime's life, one per URL and
 * credentials, so that executions reuse connections; their drivers close
 * idle connections on their own.
 */
export class SqlClients implements SharedResource {
  private readonly clients = new Map<string, SqlClient>();

  /** The client for `connection`, made by `create` on first use. */
  get(connection: Connection, create: () => SqlClient): SqlClient {
    const key = JSON.stringify(connection);
    let client = this.clients.get(key);
    if (!client) {
      client = create();
      this.clients.set(key, client);
    }
    return client;
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.allSettled(clients.map((c) => c.close()));
  }
}

/** Rejects with the abort's reason once `signal` aborts, calling `onAbort` to stop the driver's work. */
export function abortable<T>(work: Promise<T>, signal: AbortSignal, onAbort: () => void): Promise<T> {
  if (signal.aborted) {
    onAbort();
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort();
      reject(signal.reason);
    };
    signal.addEventListener('abort', abort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(err);
      },
    );
  });
}
