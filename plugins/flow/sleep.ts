/** `sleep`: waits for a duration while the task runs; a kill or timeout ends the wait at once. */
import { setTimeout as delay } from 'node:timers/promises';
import { Type as T } from '@sinclair/typebox';
import { defineTask } from '../../protocol/plugin.js';
import { DynamicDuration, renderedDurationMs } from './dynamic-duration.js';

export default defineTask({
  type: 'sleep',
  aliases: ['io.kestra.plugin.core.flow.Sleep', 'io.kestra.core.tasks.flows.Sleep'],
  title: 'Sleep',
  description:
    'Waits for `duration` (ISO-8601, e.g. `PT5S`), the task staying RUNNING; unlike `pause`, the execution does not pause. Killing the execution, or the task’s `timeout`, ends the wait at once.',
  properties: T.Object({
    duration: DynamicDuration(
      'How long to wait: an ISO-8601 duration such as PT5S, or an expression rendering to one',
    ),
  }),
  examples: [{ title: 'Wait five seconds', code: '- id: wait\n  type: sleep\n  duration: PT5S' }],
  async run(props, ctx) {
    const ms = renderedDurationMs(props.duration, 'duration');
    ctx.logger.info(`waiting for ${props.duration}`);
    // Rejects with the abort's reason on kill or timeout; the engine reports which.
    await delay(ms, undefined, { signal: ctx.signal });
    return undefined;
  },
});
