/**
 * Work that can wait runs at the lowest CPU priority. On a small device the
 * event loop that handles the next event shares two or four cores with the
 * broker, the sensors' clients and whatever else the device runs. V8's
 * helper threads (garbage collection marking, optimising compiles) and the
 * store's commits and checkpoints can each take a core for milliseconds;
 * under the default policy a thread that wakes up on that core, such as the
 * broker forwarding an alert, can queue behind them even while the other core
 * is idle. Under SCHED_IDLE it takes the core at once.
 *
 * Linux only: there a thread's priority is its own. Elsewhere nothing is
 * changed, rather than lower the whole process.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readlink } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { isMainThread } from 'node:worker_threads';

/**
 * Lowers the calling thread to nice 19 and, where util-linux's `chrt` is
 * there, to SCHED_IDLE (nice 19 alone still lets a waking thread wait behind
 * it). For worker threads whose work can wait, as their first step.
 */
export function lowerThisThread(): void {
  if (process.platform !== 'linux') return;
  try {
    // On Linux, a priority set without a pid is the calling thread's alone.
    setPriority(19);
  } catch {
    // Not allowed: SCHED_IDLE below is what matters.
  }
  try {
    const tid = readlinkSync('/proc/thread-self').split('/').pop() ?? '';
    execFileSync('chrt', ['--idle', '--pid', '0', tid], { stdio: 'ignore', timeout: 5000 });
  } catch {
    // No chrt, or not allowed: nice 19 is all we get.
  }
}

/**
 * Lowers, as {@link lowerThisThread} does, the threads Node starts before
 * any JavaScript runs: chiefly V8's platform workers, which mark, scavenge and
 * compile in the background. libuv's pool is left alone: the event loop waits
 * on its file system and DNS work. Call from the main thread of a long-running
 * command. Resolves with the ids of the threads lowered (none off Linux);
 * never rejects.
 */
export async function lowerHelperThreads(): Promise<number[]> {
  if (process.platform !== 'linux' || !isMainThread) return [];
  try {
    const pool = await libuvPool();
    if (!pool) return [];
    // Node starts V8's threads before libuv starts its pool, on first use:
    // the helpers are the threads older than the pool's (thread ids grow).
    // Threads started later, such as workers, are left alone.
    const firstOfPool = Math.min(...pool);
    const helpers = readdirSync('/proc/self/task')
      .map(Number)
      .filter((tid) => tid !== process.pid && tid < firstOfPool);
    await Promise.all(helpers.map(lowerThread));
    return helpers;
  } catch {
    // No /proc to go by.
    return [];
  }
}

/**
 * libuv's pool threads, by asking them: a `readlink` of /proc/thread-self
 * runs on one of them and names it. A few rounds of requests in parallel
 * reach every thread (the pool starts, whole, on the first request);
 * undefined if some never answered.
 */
async function libuvPool(): Promise<Set<number> | undefined> {
  const size = Math.min(Math.max(Number(process.env.UV_THREADPOOL_SIZE) || 4, 1), 1024);
  const seen = new Set<number>();
  for (let round = 0; round < 20 && seen.size < size; round++) {
    const links = await Promise.all(Array.from({ length: 4 * size }, () => readlink('/proc/thread-self')));
    for (const link of links) seen.add(Number(link.slice(link.lastIndexOf('/') + 1)));
  }
  return seen.size === size ? seen : undefined;
}

function lowerThread(tid: number): Promise<void> {
  try {
    setPriority(tid, 19);
  } catch {
    // Not allowed or gone: SCHED_IDLE below is what matters.
  }
  return new Promise((resolve) => {
    execFile('chrt', ['--idle', '--pid', '0', String(tid)], { timeout: 5000 }, () => resolve());
  });
}

/** The policy number of SCHED_IDLE, as /proc shows it. */
export const SCHED_IDLE = 5;

/** A thread's nice value and scheduling policy, from /proc (fields 19 and 41 of its stat). */
export function threadScheduling(
  tid: number,
  pid: number | 'self' = 'self',
): { nice: number; policy: number } {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { nice: Number(fields[16]), policy: Number(fields[38]) };
}
