/** `if`: runs `then` or `else` depending on a condition. */
import { Type as T } from '@sinclair/typebox';
import { defineTask, TaskList } from '../../protocol/plugin.js';
import { flowableState } from '../../protocol/states.js';
import { isTruthy } from '../../protocol/values.js';

export default defineTask({
  type: 'if',
  aliases: ['io.kestra.plugin.core.flow.If', 'io.kestra.core.tasks.flows.If'],
  title: 'If',
  description:
    'Evaluates `condition` and runs `then` when it is true, `else` otherwise. Its output `evaluationResult` ' +
    'is there before the branch runs, for `parentOutput()` in it.',
  properties: T.Object({
    condition: T.Unknown({
      description: "Expression, e.g. \"{{ inputs.level > 3 }}\"; 'true'/'false' strings are read by meaning",
    }),
    // biome-ignore lint/suspicious/noThenProperty: `then` is the property name Kestra's If task uses.
    then: TaskList({ minItems: 1 }),
    else: T.Optional(TaskList()),
  }),
  children: ['then', 'else'],
  examples: [
    {
      title: 'Alert on a high reading',
      code: '- id: check\n  type: if\n  condition: "{{ trigger.payload.temp > 80 }}"\n  then:\n    - id: alert\n      type: log\n      level: WARN\n      message: too hot',
    },
  ],
  outputs: T.Object({ evaluationResult: T.Boolean({ description: 'What `condition` evaluated to' }) }),
  async run(props, ctx) {
    const evaluationResult = isTruthy(props.condition);
    const outputs = { evaluationResult };
    const branch = evaluationResult ? props.then : props.else;
    if (!branch?.length) return { outputs };
    ctx.publishOutputs(outputs);
    const state = await ctx.runTasks(branch);
    return { state: flowableState(state), outputs };
  },
});
