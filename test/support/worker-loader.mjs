/**
 * Lets worker threads started by code under test run its TypeScript worker modules: vitest runs the
 * tests' own imports from source, but a `new Worker(new URL('./x-worker.js', import.meta.url))` is
 * started by Node itself and finds only `x-worker.ts`. Registered only in worker threads, so the test
 * process itself loads as vitest does. Passed to vitest's test processes with `--import` (vitest.config.ts).
 */
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

if (!isMainThread) register('./worker-loader-hooks.mjs', import.meta.url);
