/** Which hub replica runs each unfinished hub execution: a session advisory lock per execution, taken over when its session ends. */
import type postgres from 'postgres';
import type { Execution } from '../../protocol/execution.js';
import type { Logger } from '../../protocol/logger.js';
import { isTerminal } from '../../protocol/states.js';
import { dedicatedSession } from './leadership.js';

/** Class of the per-execution locks (the two-key form; 1 and 2 are the leader and presence locks). */
const CLAIM_CLASS = 0x7465726f;

/** States of an execution some engine still has to drive (as `engine.recover` resumes them). */
const UNFINISHED = ['CREATED', 'QUEUED', 'RUNNING', 'PAUSED', 'RETRYING', 'KILLING'];

export interface ExecutionClaimsOptions {
  url: string;
  /** An execution younger than this is never taken over: its replica may not have claimed it yet. */
  graceMs: number;
  logger: Logger;
}

/**
 * Each replica holds, on one session of its own, an advisory lock per hub
 * execution its engine runs (`claim` on every change it makes, `release` at
 * its end). PostgreSQL frees them all when the replica's session ends — its
 * process died — and `takeOver`, run by the leader, claims every unfinished
 * hub execution older than `graceMs` whose lock is free, for its engine to
 * resume. Locks are keyed by `hashtext(id)`: two executions of one hash share
 * a lock, and one of them waits for the other to end before it is taken over.
 *
 * @example
 * const claims = await ExecutionClaims.start({ url, graceMs: 10_000, logger });
 * engine.on({ execution: (e) => e.agentId === null && claims.follow(e) });
 * const ids = await claims.takeOver(); await engine.recover((e) => ids.has(e.id));
 */
export class ExecutionClaims {
  private readonly held = new Set<string>();
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly sql: postgres.Sql,
    private readonly options: ExecutionClaimsOptions,
  ) {}

  static async start(options: ExecutionClaimsOptions): Promise<ExecutionClaims> {
    const sql = dedicatedSession(options.url, 'tern-hub-claims');
    await sql`SELECT 1`;
    return new ExecutionClaims(sql, options);
  }

  /** Claims a hub execution this replica's engine runs, or releases it once it has ended. */
  follow(execution: Execution): void {
    const { id } = execution;
    if (isTerminal(execution.state)) {
      if (!this.held.delete(id)) return;
      this.inOrder(() => this.sql`SELECT pg_advisory_unlock(${CLAIM_CLASS}::int, hashtext(${id}))`);
      return;
    }
    if (this.held.has(id)) return;
    this.held.add(id);
    this.inOrder(async () => {
      const [row] = await this.sql<{ got: boolean }[]>`
        SELECT pg_try_advisory_lock(${CLAIM_CLASS}::int, hashtext(${id})) AS got`;
      if (!row?.got)
        this.options.logger.error(
          { executionId: id },
          'another replica holds the claim of an execution this one runs',
        );
    });
  }

  /**
   * Claims every unfinished hub execution older than the grace period that no
   * live replica holds; returns their ids, for the engine to resume.
   */
  async takeOver(): Promise<Set<string>> {
    const taken = new Set<string>();
    await this.inOrder(async () => {
      const rows = await this.sql<{ id: string }[]>`
        SELECT id FROM executions
        WHERE agent_id IS NULL AND state IN ${this.sql(UNFINISHED)}
          AND start_date < now() - make_interval(secs => ${this.options.graceMs / 1000})`;
      for (const { id } of rows) {
        if (this.held.has(id)) continue;
        const [row] = await this.sql<{ got: boolean }[]>`
          SELECT pg_try_advisory_lock(${CLAIM_CLASS}::int, hashtext(${id})) AS got`;
        if (!row?.got) continue;
        this.held.add(id);
        taken.add(id);
      }
    });
    return taken;
  }

  async close(): Promise<void> {
    await this.chain;
    await this.sql.end({ timeout: 2 });
  }

  private inOrder(step: () => Promise<unknown>): Promise<unknown> {
    this.chain = this.chain
      .then(step)
      .catch((err: unknown) => this.options.logger.error({ err: String(err) }, 'execution claim failed'));
    return this.chain;
  }
}
