/** `templatedTask`: a task whose YAML is itself rendered from expressions, then run (Kestra's TemplatedTask). */
import { Type as T } from '@sinclair/typebox';
import { defineTask } from '../../protocol/plugin.js';

export default defineTask({
  type: 'templatedTask',
  aliases: [
    'io.kestra.plugin.core.templating.TemplatedTask',
    'io.kestra.core.tasks.templating.TemplatedTask',
  ],
  title: 'Templated task',
  description:
    "Renders `spec`, the YAML of a runnable task (its `type` and properties, as in a flow's `tasks`), then " +
    "checks it as a flow's task is checked and runs it in this task's place: its outputs are this task's. " +
    'Property names and types can so come from inputs or earlier outputs. Flowable tasks cannot be templated.',
  properties: T.Object({
    spec: T.String({ description: 'The YAML of the task to run; expressions allowed anywhere in it' }),
  }),
  examples: [
    {
      title: 'A property named by an input',
      code: [
        '- id: templated',
        '  type: io.kestra.plugin.core.templating.TemplatedTask',
        '  spec: |',
        '    type: io.kestra.plugin.core.log.Log',
        '    {{ inputs.property }}: "{{ inputs.value }}"',
      ].join('\n'),
    },
  ],
  run(props, ctx) {
    return ctx.runTaskSpec(props.spec);
  },
});
