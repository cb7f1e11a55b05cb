/** A task given as YAML text at run time (Kestra's TemplatedTask `spec`), checked as a task of a flow is. */
import { parse, stringify } from 'yaml';
import type { Registry } from '../../plugins/registry.js';
import { TaskError } from '../../protocol/errors.js';
import type { Task } from '../../protocol/flow.js';
import type { Renderer } from '../expr/index.js';
import { parseFlow } from '../flow-loader.js';

/**
 * The task `spec` describes, with `id` unless it names its own; every problem
 * the flow loader would find in it fails the task, its path starting at `spec`.
 *
 * @example taskFromSpec('type: log\nmessage: hi', 'templated', 'plant1', registry, renderer)
 */
export function taskFromSpec(
  spec: string,
  id: string,
  namespace: string,
  registry: Registry,
  renderer: Renderer,
): Task {
  let value: unknown;
  try {
    value = parse(spec);
  } catch (err) {
    throw new TaskError(`spec: not YAML: ${(err as Error).message}`, false);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TaskError("spec: expected a map of a task's type and properties", false);
  }
  const flow = { id: 'templated', namespace, tasks: [{ id, ...value }] };
  const result = parseFlow(stringify(flow), registry, { checkExpression: (t) => renderer.check(t) });
  const task = result.flow?.tasks[0];
  if (!task) {
    const problems = result.problems.map((p) => `${p.path.replace(/^tasks\[0\]/, 'spec')}: ${p.message}`);
    throw new TaskError(problems.join('; '), false);
  }
  return task as Task;
}
