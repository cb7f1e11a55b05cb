/** Starts the store's worker threads, each a module of its own file. */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker on the module at `url` with the process's Node options,
 * except `--input-type`: a worker inherits them, and that one (which `node -e`
 * with top-level await needs) refuses to start a worker from a file.
 */
export function moduleWorker(url: URL, options: Omit<WorkerOptions, 'eval' | 'execArgv'>): Worker {
  const execArgv: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const arg = process.execArgv[i]!;
    if (arg === '--input-type') i++;
    else if (!arg.startsWith('--input-type=')) execArgv.push(arg);
  }
  return new Worker(url, { ...options, execArgv });
}
