/** `log`: writes messages to the execution's log. */
import { Type as T } from '@sinclair/typebox';
import { defineTask } from '../../protocol/plugin.js';

export default defineTask({
  type: 'log',
  aliases: ['io.kestra.plugin.core.log.Log', 'io.kestra.core.tasks.log.Log'],
  title: 'Log',
  description: 'Writes a message, or each message of a list, to the execution log at the given level.',
  properties: T.Object({
    message: T.Union([T.String(), T.Array(T.String())], { description: 'Text to log; expressions allowed' }),
    level: T.Optional(
      T.Union(
        ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'].map((l) => T.Literal(l)),
        { default: 'INFO' },
      ),
    ),
  }),
  examples: [{ title: 'Greet', code: '- id: hello\n  type: log\n  message: Hello {{ inputs.name }}' }],
  run(props, ctx) {
    const level = (props.level ?? 'INFO') as 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
    const messages = Array.isArray(props.message) ? props.message : [props.message];
    for (const m of messages) ctx.logger.log(level, String(m));
    return undefined;
  },
});
