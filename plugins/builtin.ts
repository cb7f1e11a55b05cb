/** The registry of every built-in task and trigger type, made once per process. */
import { builtinTasks, builtinTriggers } from './index.js';
import { createRegistry, type Registry } from './registry.js';

let builtin: Registry | undefined;

export function builtinRegistry(): Registry {
  builtin ??= createRegistry(builtinTasks, builtinTriggers);
  return builtin;
}
