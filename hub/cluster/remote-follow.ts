/** Live follow of executions whose changes another hub replica stored: read back from the database when it says so. */
import type { Execution, LogLine, TaskRun } from '../../protocol/execution.js';
import type { Logger } from '../../protocol/logger.js';
import type { ExecutionQueries } from '../store/types.js';

/** What a follower is told: the same as a local follow. */
export interface RemoteListener {
  execution?(execution: Execution): void;
  taskRun?(taskRun: TaskRun): void;
  log?(line: LogLine): void;
}

interface Follower {
  listener: RemoteListener;
  /** The execution and task runs as last told, as JSON: only what changed is told again. */
  told: Map<string, string>;
  /** Where its log lines were read up to: a page's cursor, and how many of that page were told. */
  logCursor: string | undefined;
  logSkip: number;
}

const LOG_PAGE = 500;

/**
 * Followers of executions on this replica, told what other replicas stored:
 * on each change notice the execution, its task runs and its new log lines
 * are read from the database, and only what differs from what the follower
 * was told goes out. Notices for executions nobody follows here cost nothing.
 *
 * @example
 * const remote = new RemoteFollowers(storage.executions, logger);
 * const off = remote.follow(id, { execution: (e) => send(e) });
 * await remote.changed([id]); // another replica said so
 */
export class RemoteFollowers {
  private readonly followers = new Map<string, Set<Follower>>();
  private reading: Promise<void> = Promise.resolve();

  constructor(
    private readonly executions: Pick<ExecutionQueries, 'get' | 'logs'>,
    private readonly log: Logger,
  ) {}

  follow(executionId: string, listener: RemoteListener): () => void {
    let set = this.followers.get(executionId);
    if (!set) {
      set = new Set();
      this.followers.set(executionId, set);
    }
    const follower: Follower = { listener, told: new Map(), logCursor: undefined, logSkip: 0 };
    set.add(follower);
    // Lines stored before the follow began are in its snapshot's log page, not here: start from the present.
    this.reading = this.reading.then(() => this.skipLogs(executionId, follower));
    return () => {
      set.delete(follower);
      if (set.size === 0) this.followers.delete(executionId);
    };
  }

  /** Another replica stored changes of these executions. Resolves once the followers were told. */
  changed(ids: readonly string[]): Promise<void> {
    const followed = ids.filter((id) => this.followers.has(id));
    if (followed.length === 0) return this.reading;
    this.reading = this.reading.then(async () => {
      for (const id of followed) {
        try {
          await this.tell(id);
        } catch (err) {
          this.log.warn({ executionId: id, err: String(err) }, 'followed execution not read back');
        }
      }
    });
    return this.reading;
  }

  private async tell(executionId: string): Promise<void> {
    const followers = this.followers.get(executionId);
    if (!followers) return;
    const found = await this.executions.get(executionId);
    if (!found) return;
    for (const follower of followers) {
      for (const taskRun of found.taskRuns)
        if (changedFor(follower, taskRun.id, taskRun)) follower.listener.taskRun?.(taskRun);
      for (const line of await this.newLines(executionId, follower)) follower.listener.log?.(line);
      // Last: a follow ends at an execution in an end state, after what led there.
      if (changedFor(follower, executionId, found.execution)) follower.listener.execution?.(found.execution);
    }
  }

  private async newLines(executionId: string, follower: Follower): Promise<LogLine[]> {
    const lines: LogLine[] = [];
    for (;;) {
      const page = await this.executions.logs(executionId, { cursor: follower.logCursor, limit: LOG_PAGE });
      lines.push(...page.items.slice(follower.logSkip));
      if (!page.nextCursor) {
        follower.logSkip = page.items.length;
        return lines;
      }
      follower.logCursor = page.nextCursor;
      follower.logSkip = 0;
    }
  }

  private async skipLogs(executionId: string, follower: Follower): Promise<void> {
    await this.newLines(executionId, follower).catch(() => undefined);
  }
}

/** Whether `value` differs from what the follower was last told under `key`; remembers it. */
function changedFor(follower: Follower, key: string, value: unknown): boolean {
  const json = JSON.stringify(value);
  if (follower.told.get(key) === json) return false;
  follower.told.set(key, json);
  return true;
}
