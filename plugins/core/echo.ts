/** `debug.echo`: Kestra's deprecated Echo, a log message given as `format`. */
import { Type as T } from '@sinclair/typebox';
import { LOG_LEVELS, type LogLevel } from '../../protocol/execution.js';
import { defineTask } from '../../protocol/plugin.js';

export default defineTask({
  type: 'debug.echo',
  aliases: ['io.kestra.plugin.core.debug.Echo', 'io.kestra.core.tasks.debugs.Echo'],
  title: 'Echo (deprecated)',
  description: 'Writes `format` to the execution log at `level`; kept for old flows, `log` is its successor.',
  properties: T.Object({
    format: T.Unknown({ description: 'The message; expressions allowed' }),
    level: T.Optional(
      T.Union(
        LOG_LEVELS.map((l) => T.Literal(l)),
        { default: 'INFO' },
      ),
    ),
  }),
  examples: [
    {
      title: 'Say where the flow is',
      code: '- id: before\n  type: io.kestra.plugin.core.debug.Echo\n  format: before the work',
    },
  ],
  run(props, ctx) {
    const message = typeof props.format === 'string' ? props.format : JSON.stringify(props.format);
    ctx.logger.log((props.level ?? 'INFO') as LogLevel, message);
    return undefined;
  },
});
