/** `pluginDefaults`: default properties per task type, merged under the task's own. */
import type { PluginDefault, Task } from '../../protocol/flow.js';
import type { AnyTaskDefinition } from '../../protocol/plugin.js';
import { deepMerge } from '../../protocol/values.js';

/**
 * A default applies when its `type` names the task's type, one of its
 * plugin's names, or a dotted prefix of them (Kestra matches
 * `io.kestra.plugin.scripts` against every script task). The task's own
 * values win unless the default is `forced`.
 */
export function applyPluginDefaults(
  task: Task,
  definition: AnyTaskDefinition | undefined,
  defaults: readonly PluginDefault[] | undefined,
): Task {
  if (!defaults || defaults.length === 0) return task;
  const names = definition ? [definition.type, ...definition.aliases, task.type] : [task.type];
  let result: Record<string, unknown> = task;
  for (const d of defaults) {
    const matches = names.some((n) => n === d.type || n.startsWith(`${d.type}.`));
    if (!matches) continue;
    result = d.forced ? deepMerge(result, d.values) : deepMerge(d.values, result);
  }
  return result as Task;
}
