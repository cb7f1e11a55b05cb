/** `subflow`: runs another flow and, by default, waits for it and takes its outputs. */
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { defineTask } from '../../protocol/plugin.js';
import { isFailure } from '../../protocol/states.js';
import { ScheduleDate, scheduleIso } from './schedule-date.js';

export default defineTask({
  type: 'subflow',
  aliases: [
    'io.kestra.plugin.core.flow.Subflow',
    'io.kestra.core.tasks.flows.Subflow',
    // Kestra's older subflow task, still accepted.
    'io.kestra.plugin.core.flow.Flow',
    'io.kestra.core.tasks.flows.Flow',
  ],
  title: 'Subflow',
  description:
    "Starts an execution of another flow. With `wait` (default true) it waits, exposes the subflow's declared flow outputs as `outputs.<id>.outputs`, its `executionId` and end `state`, and fails when the subflow fails (unless `transmitFailed: false`). For a subflow that declares no outputs, Kestra's older `outputs` property names them, rendered in the subflow's execution once it has ended (`{{ outputs.<its task>.<output> }}`); a value that fails to render fails the task. `inheritLabels` passes this execution's labels on (not the `system.` ones); `labels` are set over them. When the task runs again after its subflow failed (the execution restarted, or the task retried), `restartBehavior: RETRY_FAILED` (default) restarts that subflow execution where it failed, `NEW_EXECUTION` starts a new one. With `scheduleDate` the subflow execution is created at once and stays CREATED until that date.",
  properties: T.Object({
    namespace: T.String(),
    flowId: T.String(),
    revision: T.Optional(T.Integer({ minimum: 1 })),
    inputs: T.Optional(T.Record(T.String(), T.Unknown())),
    labels: T.Optional(T.Record(T.String(), T.String())),
    wait: T.Optional(T.Boolean({ default: true })),
    transmitFailed: T.Optional(T.Boolean({ default: true })),
    inheritLabels: T.Optional(T.Boolean({ default: false })),
    restartBehavior: T.Optional(
      T.Union([T.Literal('RETRY_FAILED'), T.Literal('NEW_EXECUTION')], {
        default: 'RETRY_FAILED',
        description:
          'When this task runs again after its subflow failed (a restart, a retry): restart that execution, or start a new one',
      }),
    ),
    scheduleDate: T.Optional(ScheduleDate),
    outputs: T.Optional(
      T.Record(T.String(), T.Unknown(), {
        description:
          "Kestra's deprecated way to pick the subflow's outputs: rendered in the subflow's execution when its flow declares no `outputs`",
      }),
    ),
  }),
  outputs: T.Object({
    executionId: T.String(),
    state: T.String(),
    outputs: T.Record(T.String(), T.Unknown()),
  }),
  // Rendered in the subflow's execution, not in this one.
  raw: ['outputs'],
  // After a restart it waits for the execution it had started (kept in its outputs), not a new one.
  resumable: true,
  examples: [
    {
      title: 'Reuse a flow',
      code: '- id: cleanup\n  type: subflow\n  namespace: plant.maintenance\n  flowId: cleanup\n  inputs:\n    days: 7',
    },
  ],
  async run(props, ctx) {
    const result = await ctx.runSubflow({
      namespace: props.namespace,
      flowId: props.flowId,
      revision: props.revision,
      inputs: props.inputs,
      labels: props.labels,
      wait: props.wait ?? true,
      inheritLabels: props.inheritLabels ?? false,
      restartBehavior: props.restartBehavior ?? 'RETRY_FAILED',
      ...(props.outputs && { outputs: props.outputs }),
      ...(props.scheduleDate !== undefined && { scheduleDate: scheduleIso(props.scheduleDate) }),
    });
    const outputs = { executionId: result.executionId, state: result.state, outputs: result.outputs };
    if ((props.wait ?? true) && isFailure(result.state) && (props.transmitFailed ?? true)) {
      throw new TaskError(
        `subflow ${props.namespace}.${props.flowId} ended ${result.state} (execution ${result.executionId})`,
        false,
        { details: { outputs } },
      );
    }
    return { outputs };
  },
});
