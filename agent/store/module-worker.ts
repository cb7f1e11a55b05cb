/** Starts the store's worker threads, each a module of its own file. */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Node options a worker accepts and needs to load its module the way the
 * process loads its own (tests register a TypeScript loader with `--import`).
 * The rest is left out: V8 flags (`--max-semi-space-size` …) are the
 * process's, and a worker refuses to start when given one; `--input-type`
 * (which `node -e` with top-level await needs) refuses a worker from a file.
 */
const WITH_VALUE = new Set([
  '--import',
  '--require',
  '-r',
  '--loader',
  '--experimental-loader',
  '--conditions',
  '-C',
]);
const ALONE = new Set(['--enable-source-maps', '--no-warnings', '--no-deprecation']);

/** The process's module-loading options, for a worker. */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    const name = arg.split('=', 1)[0]!;
    if (WITH_VALUE.has(arg) && i + 1 < execArgv.length) kept.push(arg, execArgv[++i]!);
    else if (WITH_VALUE.has(name) || ALONE.has(arg)) kept.push(arg);
  }
  return kept;
}

/** Starts a worker on the module at `url` with the process's module-loading options ({@link workerExecArgv}). */
export function moduleWorker(url: URL, options: Omit<WorkerOptions, 'eval' | 'execArgv'>): Worker {
  return new Worker(url, { ...options, execArgv: workerExecArgv() });
}
