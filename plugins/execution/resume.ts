/** `execution.resume`: resumes a paused execution, the current one by default (Kestra's execution.Resume). */
import { Type as T } from '@sinclair/typebox';
import { InputValidationError, TaskError } from '../../protocol/errors.js';
import { defineTask } from '../../protocol/plugin.js';

export default defineTask({
  type: 'execution.resume',
  aliases: ['io.kestra.plugin.core.execution.Resume'],
  title: 'Resume an execution',
  description:
    'Resumes the tasks of an execution paused without a delay: the current execution by default (a paused ' +
    'branch of a parallel task), or the one `executionId` names, for instance `{{ trigger.executionId }}` ' +
    'in a flow started by a flow trigger. `inputs` are given to the paused tasks, checked against their ' +
    '`onResume` inputs (a task that declares them reads them as `outputs.<id>.onResume.<input>`); inputs that do ' +
    'not fit fail the task and leave the execution paused. The execution must be run by the same runtime (agent or hub).',
  properties: T.Object({
    executionId: T.Optional(T.String({ minLength: 1, description: 'Default: the current execution' })),
    inputs: T.Optional(
      T.Record(T.String(), T.Unknown(), { description: "For the paused tasks' `onResume` inputs" }),
    ),
  }),
  examples: [
    {
      title: 'Resume the execution that triggered this flow',
      code: [
        '- id: resume',
        '  type: io.kestra.plugin.core.execution.Resume',
        '  executionId: "{{ trigger.executionId }}"',
        '  inputs:',
        '    approved: true',
      ].join('\n'),
    },
  ],
  run(props, ctx) {
    const id = props.executionId ?? ctx.execution.id;
    let resumed: boolean;
    try {
      resumed = ctx.executions.resume(id, props.inputs ?? {});
    } catch (err) {
      if (err instanceof InputValidationError)
        throw new TaskError(`cannot resume execution ${id}: ${err.message}`, false);
      throw err;
    }
    if (!resumed) {
      throw new TaskError(`execution ${id} is not running here: there is nothing to resume`, false);
    }
    ctx.logger.info(`resumed execution ${id}`);
    return undefined;
  },
});
