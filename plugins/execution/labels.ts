/** `execution.labels`: adds or replaces labels of the running execution (Kestra's execution.Labels). */
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { defineTask } from '../../protocol/plugin.js';

const Label = T.Object({ key: T.String({ minLength: 1 }), value: T.Unknown() });

export default defineTask({
  type: 'execution.labels',
  aliases: ['io.kestra.plugin.core.execution.Labels', 'io.kestra.core.tasks.executions.Labels'],
  title: 'Set execution labels',
  description:
    'Adds labels to the running execution, replacing those of the same key; they show in the stored execution, ' +
    'the API and `{{ labels }}` from then on. `labels` is a map, a list of `{key, value}`, or a JSON object as ' +
    'text; a value that is a map is stored as JSON text. Labels starting with `system.` are refused.',
  properties: T.Object({
    labels: T.Union([T.Record(T.String(), T.Unknown()), T.Array(Label), T.String()], {
      description: 'A map of labels, a list of {key, value}, or a JSON object as text',
    }),
  }),
  examples: [
    {
      title: 'Label an execution with data it received',
      code: [
        '- id: tag',
        '  type: io.kestra.plugin.core.execution.Labels',
        '  labels:',
        '    customerId: "{{ trigger.body.customerId }}"',
        '- id: by_list',
        '  type: io.kestra.plugin.core.execution.Labels',
        '  labels:',
        '    - key: order_id',
        '      value: "{{ trigger.body.orderId }}"',
      ].join('\n'),
    },
  ],
  run(props, ctx) {
    const labels = labelMap(props.labels);
    const system = Object.keys(labels).find((key) => key.startsWith('system.'));
    if (system !== undefined) {
      throw new TaskError(
        `labels: system labels can only be set by Tern itself, offending label: ${system}=${labels[system]}`,
        false,
      );
    }
    ctx.executions.addLabels(labels);
    return undefined;
  },
});

/** The labels as a map of text, whichever of Kestra's three forms they were given in. */
function labelMap(labels: Record<string, unknown> | { key: string; value: unknown }[] | string) {
  let entries: [string, unknown][];
  if (typeof labels === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(labels);
    } catch (err) {
      throw new TaskError(`labels: not a JSON object: ${(err as Error).message}`, false);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new TaskError('labels: the text must be a JSON object of labels', false);
    entries = Object.entries(parsed);
  } else if (Array.isArray(labels)) entries = labels.map((l) => [l.key, l.value]);
  else entries = Object.entries(labels);
  const map: Record<string, string> = {};
  for (const [key, value] of entries) map[key] = labelText(value);
  return map;
}

function labelText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}
