/** `pause`: waits for a duration, or until the execution is resumed (with `onResume` inputs); then runs its children. */
import { Type as T } from '@sinclair/typebox';
import { durationMs } from '../../protocol/duration.js';
import { TaskError } from '../../protocol/errors.js';
import { InputSchema, type Task } from '../../protocol/flow.js';
import { defineTask, TASK_REF, TaskList } from '../../protocol/plugin.js';
import { flowableState, isFailure } from '../../protocol/states.js';

const BEHAVIORS = ['RESUME', 'WARN', 'FAIL', 'CANCEL'] as const;

export default defineTask({
  type: 'pause',
  aliases: ['io.kestra.plugin.core.flow.Pause', 'io.kestra.core.tasks.flows.Pause'],
  title: 'Pause',
  description:
    'Pauses the execution: until it is resumed (API, UI, `tern executions resume`, `tern run --resume`), or for `pauseDuration` (`delay`) when given, then `behavior` applies. `onResume` declares inputs given on resume, read as `outputs.<id>.onResume.<input>`. `onPause` is a task run as the pause starts (its failure fails the pause). A task `timeout` without `pauseDuration` bounds the wait: the pause fails when it runs out. The pause survives a restart.',
  properties: T.Object({
    pauseDuration: T.Optional(T.String({ description: 'ISO-8601 duration, or an expression giving one' })),
    delay: T.Optional(T.String({ description: 'Older name of pauseDuration' })),
    behavior: T.Optional(
      T.Union(
        BEHAVIORS.map((b) => T.Literal(b)),
        {
          default: 'RESUME',
          description:
            'When pauseDuration runs out: RESUME goes on, WARN ends the pause in WARNING, FAIL fails it, CANCEL cancels the execution',
        },
      ),
    ),
    onResume: T.Optional(T.Array(InputSchema, { description: 'Inputs asked for on resume, as flow inputs' })),
    onPause: T.Optional(T.Unsafe<Task>({ $ref: TASK_REF, description: 'A task run as the pause starts' })),
    tasks: T.Optional(TaskList({ description: 'Run once resumed (older Kestra syntax)' })),
  }),
  children: ['tasks', 'onPause'],
  outputs: T.Object({
    onResume: T.Optional(T.Record(T.String(), T.Unknown(), { description: 'The inputs given on resume' })),
  }),
  examples: [
    { title: 'Let the tank settle', code: '- id: settle\n  type: pause\n  pauseDuration: PT10S' },
    {
      title: 'Wait for an approval',
      code: '- id: approve\n  type: pause\n  onResume:\n    - id: approved\n      type: BOOLEAN\n      defaults: true',
    },
  ],
  async run(props, ctx) {
    if (props.onPause) {
      const onPause = await ctx.runTasks([props.onPause]);
      if (isFailure(onPause)) return { state: 'FAILED' };
    }
    const onTimeout = props.behavior ?? 'RESUME';
    const duration = props.pauseDuration ?? props.delay;
    const until = duration ? Date.now() + durationMs(duration, 'pauseDuration') : undefined;
    const { resumed, inputs } = await ctx.pause(until);
    const outputs = props.onResume ? { onResume: inputs ?? {} } : {};
    const behavior = resumed ? 'RESUME' : onTimeout;
    if (behavior === 'FAIL') throw new TaskError(`not resumed within ${duration}`, false);
    if (behavior === 'CANCEL') return { state: 'CANCELLED', outputs };
    const state = props.tasks?.length ? flowableState(await ctx.runTasks(props.tasks)) : 'SUCCESS';
    return { outputs, state: behavior === 'WARN' && state === 'SUCCESS' ? 'WARNING' : state };
  },
});
