/** The worker thread of `FlowCheckPool` (flow-check.ts): checks submitted flows with the built-in plugins. */
import { parentPort } from 'node:worker_threads';
import { builtinRegistry } from '../../plugins/builtin.js';
import { Renderer } from '../../runtime/expr/index.js';
import { checkSubmission, type FlowSubmission } from './flow-source.js';

const registry = builtinRegistry();
const renderer = new Renderer();

parentPort?.on('message', ({ id, submission }: { id: number; submission: FlowSubmission }) => {
  try {
    parentPort?.postMessage({ id, checked: checkSubmission(submission, registry, renderer) });
  } catch (err) {
    // Errors lose their message on the way to the main thread: send it as text.
    parentPort?.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
