/** Runs one command in its own process group, streams its output by line, and kills the whole group when asked. */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { LineSplitter } from './line-splitter.js';

/** How long a process group gets to exit after SIGTERM before it receives SIGKILL. */
export const DEFAULT_KILL_GRACE_MS = 2_000;

export interface ProcessSpec {
  /** Executable and its arguments, e.g. `['/bin/sh', '-c', 'echo hi']`. */
  argv: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborting it terminates the process and everything it started. */
  signal: AbortSignal;
  /** Called for every complete line, as soon as it is printed. */
  onLine(stream: 'stdout' | 'stderr', line: string): void;
  killGraceMs?: number;
}

/** How a process run ended; {@link runProcess} never rejects. */
export type ProcessOutcome =
  | { kind: 'exited'; exitCode: number; signal: NodeJS.Signals | null; pid: number }
  | { kind: 'aborted'; reason: unknown; pid: number }
  | { kind: 'spawn-failed'; error: NodeJS.ErrnoException };

/** Sends `signal` to every process of group `pgid`; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    // ESRCH: nothing left in the group. EPERM cannot happen for our own children.
    return false;
  }
}

/**
 * Terminates a process group: SIGTERM now, SIGKILL after `graceMs` if any
 * member is still there. The timer is unref'd so it never holds the process
 * open on shutdown.
 */
export function terminateGroup(pgid: number, graceMs: number): void {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  setTimeout(() => signalGroup(pgid, 'SIGKILL'), graceMs).unref();
}

/** Exit status as a shell reports it: the code, or 128 + the number of the signal that ended it. */
function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const number = signal ? constants.signals[signal] : undefined;
  return number === undefined ? 1 : 128 + number;
}

/**
 * Spawns `argv` detached, so that it leads a process group of its own, and
 * resolves once it has exited and its output is drained. When the leader
 * exits, whatever it left running in its group is terminated too: a task's
 * processes do not outlive the task (a command that must stay up has to
 * leave the group, e.g. with `setsid`). When `signal` aborts, the whole group
 * gets SIGTERM, then SIGKILL after the grace period.
 *
 * @example
 * const outcome = await runProcess({ argv: ['/bin/sh', '-c', 'echo hi'], cwd, env: process.env,
 *   signal, onLine: (stream, line) => console.log(stream, line) });
 */
export function runProcess(spec: ProcessSpec): Promise<ProcessOutcome> {
  const graceMs = spec.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  return new Promise<ProcessOutcome>((resolve) => {
    if (spec.signal.aborted) {
      resolve({ kind: 'aborted', reason: spec.signal.reason, pid: 0 });
      return;
    }
    const [file, ...args] = spec.argv;
    if (!file) {
      resolve({
        kind: 'spawn-failed',
        error: Object.assign(new Error('no command to run'), { code: 'EINVAL' }),
      });
      return;
    }
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(file, args, {
        cwd: spec.cwd,
        env: spec.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      // Synchronous failures: bad arguments such as a NUL byte in a command.
      resolve({ kind: 'spawn-failed', error: err as NodeJS.ErrnoException });
      return;
    }

    const deliver = (stream: 'stdout' | 'stderr') => (line: string) => {
      try {
        spec.onLine(stream, line);
      } catch {
        // A failing consumer must not tear down the stream and leave the process unwatched.
      }
    };
    const out = new LineSplitter(deliver('stdout'));
    const err = new LineSplitter(deliver('stderr'));
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    child.stdout?.on('end', () => out.end());
    child.stderr?.on('end', () => err.end());

    const pid = child.pid;
    let spawnError: NodeJS.ErrnoException | undefined;
    let aborted = false;
    let drainTimer: NodeJS.Timeout | undefined;

    const onAbort = () => {
      aborted = true;
      if (pid !== undefined) terminateGroup(pid, graceMs);
    };
    spec.signal.addEventListener('abort', onAbort, { once: true });

    child.on('error', (error: NodeJS.ErrnoException) => {
      // Emitted when spawning fails; with a live child (a failed kill) there is nothing to do.
      if (pid === undefined) spawnError = error;
    });
    child.on('exit', () => {
      if (pid === undefined) return;
      terminateGroup(pid, graceMs);
      // A process that left the group (setsid) may still hold our pipes open:
      // stop waiting for them once the group has had its grace period.
      drainTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, graceMs + 500);
    });
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      spec.signal.removeEventListener('abort', onAbort);
      if (drainTimer) clearTimeout(drainTimer);
      out.end();
      err.end();
      if (spawnError || pid === undefined) {
        resolve({ kind: 'spawn-failed', error: spawnError ?? new Error('the process could not be started') });
      } else if (aborted) {
        resolve({ kind: 'aborted', reason: spec.signal.reason, pid });
      } else {
        resolve({ kind: 'exited', exitCode: exitStatus(code, signal), signal, pid });
      }
    });
  });
}
