/** Process runner against real `sh` processes: streaming, exit status, and killing whole process trees. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/task-context.js';
import { type ProcessSpec, runProcess } from './process-runner.js';

/** True while `pid` exists and is not a zombie (a zombie has exited; only its reaper is missing). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

let dir: string;
let lines: { stream: string; line: string }[];
let controller: AbortController;
const started: number[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tern-proc-'));
  lines = [];
  controller = new AbortController();
});

afterEach(() => {
  // Whatever a failed assertion left behind must not outlive the test.
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  rmSync(dir, { recursive: true, force: true });
});

function spec(script: string, extra: Partial<ProcessSpec> = {}): ProcessSpec {
  return {
    argv: ['/bin/sh', '-c', script],
    cwd: dir,
    env: process.env,
    signal: controller.signal,
    onLine: (stream, line) => lines.push({ stream, line }),
    ...extra,
  };
}

/** PIDs the script printed as `pid <n>` lines. */
const printedPids = () =>
  lines.flatMap(({ line }) => (/^pid (\d+)$/.exec(line)?.[1] ? [Number(/^pid (\d+)$/.exec(line)?.[1])] : []));

describe('runProcess', () => {
  it('delivers a line while the process is still running', async () => {
    const run = runProcess(spec('echo ready; while [ ! -f go ]; do sleep 0.05; done; echo done'));
    await waitFor(() => lines.some((l) => l.line === 'ready'), 'the first line');
    expect(lines.map((l) => l.line)).not.toContain('done');
    writeFileSync(join(dir, 'go'), '');
    expect(await run).toMatchObject({ kind: 'exited', exitCode: 0 });
    expect(lines.map((l) => l.line)).toEqual(['ready', 'done']);
  });

  it('tells stdout from stderr lines', async () => {
    await runProcess(spec('echo out; echo err >&2'));
    expect(lines).toContainEqual({ stream: 'stdout', line: 'out' });
    expect(lines).toContainEqual({ stream: 'stderr', line: 'err' });
  });

  it('reports the exit code', async () => {
    expect(await runProcess(spec('exit 3'))).toMatchObject({ kind: 'exited', exitCode: 3, signal: null });
  });

  it('reports death by a signal as 128 plus the signal number', async () => {
    expect(await runProcess(spec('kill -KILL $$'))).toMatchObject({
      kind: 'exited',
      exitCode: 137,
      signal: 'SIGKILL',
    });
  });

  it('runs in the given directory with the given environment', async () => {
    await runProcess(spec('pwd; echo "$TERN_PROBE"', { env: { ...process.env, TERN_PROBE: 'probe-value' } }));
    expect(lines.map((l) => l.line)).toEqual([dir, 'probe-value']);
  });

  it('reports a missing executable as a spawn failure', async () => {
    const outcome = await runProcess(spec('', { argv: ['/nonexistent/interpreter', '-c', 'true'] }));
    expect(outcome.kind).toBe('spawn-failed');
    expect(outcome.kind === 'spawn-failed' && outcome.error.code).toBe('ENOENT');
  });

  it('kills the process and its descendants when aborted', async () => {
    const script = [
      'sleep 300 & echo "pid $!"',
      `sh -c 'sleep 300 & echo "pid $!"; wait' & echo "pid $!"`,
      'echo "pid $$"',
      'wait',
    ].join('\n');
    const run = runProcess(spec(script));
    await waitFor(() => printedPids().length === 4, 'four processes to start');
    const pids = printedPids();
    started.push(...pids);
    expect(pids.every(isRunning)).toBe(true);

    controller.abort(new Error('timed out after PT1S'));
    const outcome = await run;
    expect(outcome.kind).toBe('aborted');
    expect(outcome.kind === 'aborted' && (outcome.reason as Error).message).toBe('timed out after PT1S');
    await waitFor(() => !pids.some(isRunning), 'every process of the tree to end');
  });

  it('kills a process that ignores SIGTERM once the grace period is over', async () => {
    const script = `sh -c 'trap "" TERM; echo "pid $$"; while :; do sleep 1; done' & wait`;
    const run = runProcess(spec(script, { killGraceMs: 200 }));
    await waitFor(() => printedPids().length === 1, 'the stubborn process to start');
    const [pid] = printedPids();
    started.push(pid!);
    controller.abort(new Error('killed'));
    expect((await run).kind).toBe('aborted');
    await waitFor(() => !isRunning(pid!), 'the stubborn process to end');
  });

  it('stops processes left running in the background when the command exits', async () => {
    const outcome = await runProcess(spec('sleep 300 & echo "pid $!"; exit 0'));
    expect(outcome).toMatchObject({ kind: 'exited', exitCode: 0 });
    const [pid] = printedPids();
    started.push(pid!);
    await waitFor(() => !isRunning(pid!), 'the background process to end');
  });

  it('stops waiting for output held open by a process that left the group', async () => {
    const script = [
      `setsid sh -c 'echo "pid $$"; touch started; exec sleep 300' &`,
      'while [ ! -f started ]; do sleep 0.05; done',
    ].join('\n');
    const outcome = await runProcess(spec(script, { killGraceMs: 100 }));
    expect(outcome).toMatchObject({ kind: 'exited', exitCode: 0 });
    const [pid] = printedPids();
    expect(pid).toBeDefined();
    started.push(pid!);
    expect(isRunning(pid!)).toBe(true);
  });

  it('returns at once when the signal was aborted before the start', async () => {
    controller.abort(new Error('cancelled'));
    const outcome = await runProcess(spec('touch should-not-exist'));
    expect(outcome.kind).toBe('aborted');
    expect(existsSync(join(dir, 'should-not-exist'))).toBe(false);
  });
});
