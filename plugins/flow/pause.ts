/** `pause`: waits for a delay, or until the execution is resumed. */
import { Type as T } from '@sinclair/typebox';
import { durationMs } from '../../protocol/duration.js';
import { DurationSchema } from '../../protocol/flow.js';
import { defineTask } from '../../protocol/plugin.js';

export default defineTask({
  type: 'pause',
  aliases: ['io.kestra.plugin.core.flow.Pause', 'io.kestra.core.tasks.flows.Pause'],
  title: 'Pause',
  description:
    'Pauses the execution: for `delay` (or `pauseDuration`) when given, otherwise until it is resumed. The pause survives a restart.',
  properties: T.Object({
    delay: T.Optional(DurationSchema),
    pauseDuration: T.Optional(DurationSchema),
  }),
  examples: [{ title: 'Let the tank settle', code: '- id: settle\n  type: pause\n  delay: PT10S' }],
  async run(props, ctx) {
    const delay = props.delay ?? props.pauseDuration;
    await ctx.pause(delay ? Date.now() + durationMs(delay, 'delay') : undefined);
    return undefined;
  },
});
