/** Changes one hub replica tells the others through PostgreSQL LISTEN/NOTIFY: flows, KV keys, secrets, signing keys, executions, agents. */
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import type { Logger } from '../../protocol/logger.js';

/** What changed, committed, on the replica that says so. */
export type ReplicaChange =
  | { kind: 'flow'; namespace: string; id: string }
  /** KV keys written or deleted (ids as the KV cache keys them). */
  | { kind: 'kv'; ids: string[] }
  | { kind: 'secrets' }
  /** The hub's signing keys rotated. */
  | { kind: 'signingKeys' }
  /** Executions whose record, task runs or logs changed. */
  | { kind: 'executions'; ids: string[] }
  | { kind: 'agent'; id: string }
  /** An API token revoked: its open streams and waits end. */
  | { kind: 'token'; id: string };

/** The channel every replica of one database listens on. */
const CHANNEL = 'tern_replica_changes';
/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more: lists are sent in parts below this. */
const MAX_PAYLOAD = 7000;

/** Tells the other replicas, and hears from them; on PGlite (one process) it does nothing. */
export interface ReplicaChanges {
  /** Sends `change` to every other replica (never back to this one). */
  publish(change: ReplicaChange): void;
  /** Calls `listener` for each change another replica published; returns the unsubscribe function. */
  subscribe(listener: (change: ReplicaChange) => void): () => void;
  close(): Promise<void>;
}

/** One process on its database: nobody to tell. */
export function noReplicaChanges(): ReplicaChanges {
  return { publish: () => undefined, subscribe: () => () => undefined, close: async () => undefined };
}

/**
 * LISTEN/NOTIFY on one connection of its own. A notification is delivered
 * only to sessions listening when it is committed, at most once: a replica
 * that was disconnected meanwhile reloads what it caches when it listens again
 * (`onResync`), so that it misses nothing for long.
 *
 * @example
 * const changes = await PostgresReplicaChanges.start({ url, logger, onResync: () => reloadCaches() });
 * changes.subscribe((c) => c.kind === 'flow' && refresh(c.namespace, c.id));
 * changes.publish({ kind: 'flow', namespace: 'demo', id: 'hello' });
 */
export class PostgresReplicaChanges implements ReplicaChanges {
  private readonly self = randomUUID();
  private readonly listeners = new Set<(change: ReplicaChange) => void>();
  private sent: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly sql: postgres.Sql,
    private readonly log: Logger,
  ) {}

  static async start(options: {
    url: string;
    logger: Logger;
    /** Called when listening starts again after a lost connection: notifications sent meanwhile are lost. */
    onResync?: () => void;
  }): Promise<PostgresReplicaChanges> {
    const sql = postgres(options.url, {
      max: 2,
      onnotice: () => undefined,
      connection: { application_name: 'tern-hub-changes' },
    });
    const changes = new PostgresReplicaChanges(sql, options.logger);
    let listening = false;
    await sql.listen(
      CHANNEL,
      (payload) => changes.receive(payload),
      () => {
        if (listening) options.onResync?.();
        listening = true;
      },
    );
    return changes;
  }

  publish(change: ReplicaChange): void {
    for (const part of split(change)) {
      const payload = JSON.stringify({ from: this.self, change: part });
      // In order, one after another: a flow saved twice is last seen as saved last.
      this.sent = this.sent.then(() =>
        this.sql
          .notify(CHANNEL, payload)
          .catch((err: unknown) =>
            this.log.error({ kind: change.kind, err: String(err) }, 'change not sent to the other replicas'),
          ),
      );
    }
  }

  subscribe(listener: (change: ReplicaChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    await this.sent;
    await this.sql.end({ timeout: 2 });
  }

  private receive(payload: string): void {
    let message: { from: string; change: ReplicaChange };
    try {
      message = JSON.parse(payload);
    } catch {
      this.log.warn({ payload: payload.slice(0, 200) }, 'unreadable replica change ignored');
      return;
    }
    if (message.from === this.self) return;
    for (const listener of this.listeners) {
      try {
        listener(message.change);
      } catch (err) {
        this.log.error({ kind: message.change.kind, err: String(err) }, 'replica change handling failed');
      }
    }
  }
}

/** A change with a list of ids too long for one notification, in parts that each fit. */
function split(change: ReplicaChange): ReplicaChange[] {
  if (change.kind !== 'kv' && change.kind !== 'executions') return [change];
  const parts: ReplicaChange[] = [];
  let ids: string[] = [];
  let size = 0;
  for (const id of change.ids) {
    const bytes = Buffer.byteLength(JSON.stringify(id)) + 1;
    if (size + bytes > MAX_PAYLOAD && ids.length > 0) {
      parts.push({ kind: change.kind, ids });
      ids = [];
      size = 0;
    }
    ids.push(id);
    size += bytes;
  }
  if (ids.length > 0) parts.push({ kind: change.kind, ids });
  return parts;
}
