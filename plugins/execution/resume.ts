/** `execution.resume`: resumes a paused execution, the current one by default (Kestra's execution.Resume). */
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { defineTask } from '../../protocol/plugin.js';

export default defineTask({
  type: 'execution.resume',
  aliases: ['io.kestra.plugin.core.execution.Resume'],
  title: 'Resume an execution',
  description:
    'Resumes the tasks of an execution paused without a delay: the current execution by default (a paused ' +
    'branch of a parallel task), or the one `executionId` names, for instance `{{ trigger.executionId }}` ' +
    'in a flow started by a flow trigger. The execution must be run by the same runtime (agent or hub).',
  properties: T.Object({
    executionId: T.Optional(T.String({ minLength: 1, description: 'Default: the current execution' })),
  }),
  examples: [
    {
      title: 'Resume the execution that triggered this flow',
      code: [
        '- id: resume',
        '  type: io.kestra.plugin.core.execution.Resume',
        '  executionId: "{{ trigger.executionId }}"',
      ].join('\n'),
    },
  ],
  run(props, ctx) {
    const id = props.executionId ?? ctx.execution.id;
    if (!ctx.executions.resume(id)) {
      throw new TaskError(`execution ${id} is not running here: there is nothing to resume`, false);
    }
    ctx.logger.info(`resumed execution ${id}`);
    return undefined;
  },
});
