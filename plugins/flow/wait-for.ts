/** `waitFor`: runs its tasks again and again until a condition holds, within limits of count and time. */
import { setTimeout as delay } from 'node:timers/promises';
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { defineTask, TaskList } from '../../protocol/plugin.js';
import { flowableState, isFailure, type State } from '../../protocol/states.js';
import { isTruthy } from '../../protocol/values.js';
import { DynamicDuration, renderedDurationMs } from './dynamic-duration.js';

/** Kestra's WaitFor defaults (LoopUntil, its later name, dropped the limits in 0.23). */
const DEFAULTS = { maxIterations: 100, maxDuration: 'PT1H', interval: 'PT1S' } as const;

export default defineTask({
  type: 'waitFor',
  aliases: [
    'io.kestra.plugin.core.flow.WaitFor',
    'io.kestra.plugin.core.flow.LoopUntil',
    'io.kestra.core.tasks.flows.WaitFor',
  ],
  title: 'Wait for',
  description:
    'Runs `tasks`, then evaluates `condition` (which sees their outputs); while it is false, waits `checkFrequency.interval` and runs them again. As in Kestra, the limits are checked before the condition: it stops once a pass beyond `checkFrequency.maxIterations` has run (maxIterations 3: 4 passes) or once `checkFrequency.maxDuration` has gone by, ending in SUCCESS, or FAILED with `failOnMaxReached: true`. A failed pass ends the loop (FAILED) and runs `errors`. `outputs.<id>.iterationCount` is the current pass (from 1), visible to the tasks inside, as is `taskrun.iteration`; their outputs are those of the latest pass.',
  properties: T.Object({
    condition: T.String({
      description: 'Expression evaluated after each pass; the loop ends once it is true',
    }),
    tasks: TaskList({ minItems: 1 }),
    errors: T.Optional(TaskList()),
    failOnMaxReached: T.Optional(T.Boolean({ default: false })),
    checkFrequency: T.Optional(
      T.Object(
        {
          maxIterations: T.Optional(T.Integer({ minimum: 1, default: DEFAULTS.maxIterations })),
          maxDuration: T.Optional(DynamicDuration('How long the loop may last', DEFAULTS.maxDuration)),
          interval: T.Optional(DynamicDuration('Wait between two passes', DEFAULTS.interval)),
        },
        { additionalProperties: false },
      ),
    ),
  }),
  children: ['tasks', 'errors'],
  raw: ['condition'],
  outputs: T.Object({ iterationCount: T.Integer({ description: 'Passes run so far' }) }),
  examples: [
    {
      title: 'Poll until a job is done',
      code: '- id: poll\n  type: waitFor\n  condition: "{{ outputs.status.body == \'done\' }}"\n  checkFrequency:\n    interval: PT10S\n    maxIterations: 30\n  failOnMaxReached: true\n  tasks:\n    - id: status\n      type: http.request\n      uri: http://jobs.local/42/status',
    },
  ],
  async run(props, ctx) {
    const frequency = props.checkFrequency ?? {};
    const maxIterations = frequency.maxIterations ?? DEFAULTS.maxIterations;
    const intervalMs = renderedDurationMs(frequency.interval ?? DEFAULTS.interval, 'checkFrequency.interval');
    const maxDurationMs = renderedDurationMs(
      frequency.maxDuration ?? DEFAULTS.maxDuration,
      'checkFrequency.maxDuration',
    );
    const started = Date.now();
    // After a restart, the passes run before it are walked again without waiting between them.
    const ranBefore = ctx.taskRun.outputs?.iterationCount;
    const resumedPasses = typeof ranBefore === 'number' ? ranBefore : 0;
    let state: State = 'SUCCESS';
    for (let iterationCount = 1; ; iterationCount++) {
      const outputs = { iterationCount };
      ctx.publishOutputs(outputs);
      state = await ctx.runTasks(props.tasks, { iteration: iterationCount });
      if (isFailure(state)) {
        if (props.errors?.length) await ctx.runTasks(props.errors);
        return { state: 'FAILED', outputs };
      }
      // Kestra checks its limits before the condition, and counts a pass over maxIterations as the limit:
      // with maxIterations 3 a condition that never holds runs 4 passes.
      const reached =
        iterationCount > maxIterations
          ? 'maxIterations'
          : Date.now() - started >= maxDurationMs
            ? 'maxDuration'
            : undefined;
      if (reached) {
        const message = `${reached} reached after ${iterationCount} iterations`;
        if (props.failOnMaxReached) throw new TaskError(message, false, { details: { outputs } });
        ctx.logger.warn(message);
        return { state: flowableState(state), outputs };
      }
      if (isTruthy(ctx.render(props.condition))) return { state: flowableState(state), outputs };
      if (iterationCount >= resumedPasses) await delay(intervalMs, undefined, { signal: ctx.signal });
    }
  },
});
