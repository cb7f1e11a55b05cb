/** Workers that run CommonJS source text, as the store's writer and checkpointer do. */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker on `source`, CommonJS whatever options the process was
 * started with: a worker inherits them, and after `--input-type=module`
 * evaluated text is a module, without `require`.
 */
export function sourceWorker(source: string, options: Omit<WorkerOptions, 'eval' | 'execArgv'>): Worker {
  return new Worker(source, { ...options, eval: true, execArgv: [] });
}
