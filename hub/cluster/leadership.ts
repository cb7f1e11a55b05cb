/** Which hub replica does the work only one may do (schedules, retention): the one holding a PostgreSQL advisory lock. */
import postgres from 'postgres';
import type { Logger } from '../../protocol/logger.js';

/** First key of the hub's advisory locks ('tern'); the migration lock uses the one-key form, these the two-key form. */
const LOCK_CLASS = 0x7465726e;
/** Held (exclusive) by the replica that runs the singletons. */
const LEADER_LOCK = 1;
/** Held (shared) by every running replica: a replica that gets it exclusively is alone. */
const PRESENCE_LOCK = 2;

/** Whether this replica runs the work only one replica may do, and when that changes. */
export interface Leadership {
  readonly leader: boolean;
  /** Calls `listener` after each change of `leader`; returns the unsubscribe function. */
  onChange(listener: (leader: boolean) => void): () => void;
  close(): Promise<void>;
}

/** The embedded database has one process by construction (its folder is locked): it is always the leader. */
export function soleLeadership(): Leadership {
  return { leader: true, onChange: () => () => undefined, close: async () => undefined };
}

export interface PostgresLeadershipOptions {
  url: string;
  /** How often a follower tries to take the lock, and the leader checks it still holds it. */
  checkMs: number;
  logger: Logger;
}

/**
 * Leadership through a session advisory lock on one dedicated connection.
 * PostgreSQL frees the lock when that session ends — the process died, or
 * its connection broke — and a follower takes it at its next check, so the
 * singletons move to another replica within `checkMs` of PostgreSQL seeing the
 * session end. The leader checks `pg_locks` rather than trusting its
 * connection: a client that reconnected silently would hold nothing.
 *
 * @example
 * const leadership = await PostgresLeadership.start({ url, checkMs: 2000, logger });
 * leadership.onChange((leader) => (leader ? startSchedules() : stopSchedules()));
 */
export class PostgresLeadership implements Leadership {
  private sql: postgres.Sql;
  private isLeader = false;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly listeners = new Set<(leader: boolean) => void>();

  private constructor(private readonly options: PostgresLeadershipOptions) {
    this.sql = dedicatedSession(options.url, 'tern-hub-leadership');
  }

  /**
   * Joins the replicas: takes the presence lock (shared), and the leader lock
   * when free. `alone` says whether no other replica was running then (the
   * moment to resume unfinished hub executions, which no one else runs).
   */
  static async start(
    options: PostgresLeadershipOptions,
  ): Promise<{ leadership: PostgresLeadership; alone: boolean }> {
    const leadership = new PostgresLeadership(options);
    try {
      const [row] = await leadership.sql<{ alone: boolean }[]>`
        SELECT pg_try_advisory_lock(${LOCK_CLASS}::int, ${PRESENCE_LOCK}::int) AS alone`;
      const alone = row?.alone === true;
      if (alone) await leadership.sql`SELECT pg_advisory_unlock(${LOCK_CLASS}::int, ${PRESENCE_LOCK}::int)`;
      await leadership.sql`SELECT pg_advisory_lock_shared(${LOCK_CLASS}::int, ${PRESENCE_LOCK}::int)`;
      await leadership.check();
      leadership.timer = setInterval(() => {
        leadership.checking = leadership.checking.then(() => leadership.check());
      }, options.checkMs);
      leadership.timer.unref();
      return { leadership, alone };
    } catch (err) {
      await leadership.sql.end({ timeout: 1 });
      throw err;
    }
  }

  get leader(): boolean {
    return this.isLeader;
  }

  onChange(listener: (leader: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Gives the lock up (its session ends) so that another replica takes over at once. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.checking;
    this.set(false);
    await this.sql.end({ timeout: 2 });
  }

  private async check(): Promise<void> {
    if (this.closed) return;
    try {
      const [row] = this.isLeader
        ? await this.sql<{ held: boolean }[]>`
            SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
              AND classid = ${LOCK_CLASS} AND objid = ${LEADER_LOCK} AND objsubid = 2 AND granted) AS held`
        : await this.sql<{ held: boolean }[]>`
            SELECT pg_try_advisory_lock(${LOCK_CLASS}::int, ${LEADER_LOCK}::int) AS held`;
      this.set(row?.held === true);
    } catch (err) {
      // The session, and every lock with it, may be gone: stop the singletons, start a fresh session.
      this.options.logger.warn({ err: String(err) }, 'leader lock check failed; starting a new session');
      this.set(false);
      const old = this.sql;
      this.sql = dedicatedSession(this.options.url, 'tern-hub-leadership');
      await old.end({ timeout: 1 }).catch(() => undefined);
      await this.sql`SELECT pg_advisory_lock_shared(${LOCK_CLASS}::int, ${PRESENCE_LOCK}::int)`.catch(
        () => undefined,
      );
    }
  }

  private set(leader: boolean): void {
    if (leader === this.isLeader) return;
    this.isLeader = leader;
    this.options.logger.info(
      { leader },
      leader
        ? 'this replica now runs schedules and retention'
        : 'this replica no longer runs schedules and retention',
    );
    for (const listener of this.listeners) listener(leader);
  }
}

/** One connection kept for the life of the replica (never recycled): its session locks live as long as it does. */
export function dedicatedSession(url: string, applicationName: string): postgres.Sql {
  return postgres(url, {
    max: 1,
    idle_timeout: 0,
    max_lifetime: null,
    onnotice: () => undefined,
    connection: { application_name: applicationName },
  });
}
