/** `amqp.publish`: publishes one message or a list of messages to an AMQP exchange (Kestra's amqp.Publish). */
import { readFile } from 'node:fs/promises';
import { Type as T } from '@sinclair/typebox';
import type { ConfirmChannel, Message } from 'amqplib';
import { TaskError } from '../../protocol/errors.js';
import { defineTask, type TaskContext } from '../../protocol/plugin.js';
import { storedPath } from '../storage/stored-files.js';
import { ConnectionSchema, connectionProblem, withChannel } from './client.js';
import { outgoing, type SerdeType, SerdeTypeSchema } from './message.js';

/** The messages `from` names: a map, a list, JSON text of either, or a stored file of a JSON list or JSON lines. */
async function messagesOf(from: unknown, ctx: TaskContext): Promise<unknown[]> {
  if (typeof from === 'string') {
    const text = /^(tern|kestra):\/\/\//.test(from)
      ? await readFile(await storedPath(ctx, from, 'from'), 'utf8')
      : from;
    const trimmed = text.trim();
    if (trimmed === '') return [];
    try {
      if (trimmed.startsWith('[') || !trimmed.includes('\n')) {
        const parsed: unknown = JSON.parse(trimmed);
        return Array.isArray(parsed) ? parsed : [parsed];
      }
      return trimmed
        .split(/\r?\n/)
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l));
    } catch (err) {
      throw new TaskError(`from: not JSON, a JSON list or JSON lines (${(err as Error).message})`, false);
    }
  }
  if (Array.isArray(from)) return from;
  if (from !== null && typeof from === 'object') return [from];
  throw new TaskError('from: must be a message `{data, …}`, a list of messages, or a stored file URI', false);
}

/** Publishes with publisher confirms; a message no queue takes comes back and fails the task. */
async function publishAll(
  channel: ConfirmChannel,
  exchange: string,
  routingKey: string,
  messages: ReturnType<typeof outgoing>[],
): Promise<void> {
  const returned: Message[] = [];
  channel.on('return', (message: Message) => returned.push(message));
  for (const { content, options } of messages) {
    if (!channel.publish(exchange, routingKey, content, { ...options, mandatory: true }))
      await new Promise((resolve) => channel.once('drain', resolve));
  }
  await channel.waitForConfirms();
  if (returned.length > 0)
    throw new TaskError(
      `${returned.length} of ${messages.length} message(s) reached no queue: exchange '${exchange}' has no binding for routing key '${routingKey}'`,
      false,
    );
}

export default defineTask({
  type: 'amqp.publish',
  aliases: ['io.kestra.plugin.amqp.Publish'],
  title: 'AMQP publish',
  description:
    'Publishes `from` (one message, a list, JSON text, or a stored file of a JSON list or JSON lines) to an exchange of an AMQP 0-9-1 broker (RabbitMQ) with `routingKey`, each body written by `serdeType`. A message is a map with `data` and, optionally, the AMQP properties (`headers`, `messageId`, `correlationId`, `contentType`, `deliveryMode`, `priority`, `expiration`, `timestamp`, `appId` …). The broker confirms every message; one that no queue takes fails the task, rather than vanishing.',
  properties: T.Object({
    ...ConnectionSchema,
    exchange: T.String({
      description:
        'The exchange to publish to (empty: the default exchange, routing to the queue named by `routingKey`)',
    }),
    routingKey: T.Optional(T.String({ default: '', description: 'The routing key' })),
    from: T.Unknown({
      description:
        'A message `{data, headers, …}`, a list of messages, JSON text of either, or the URI of a stored file of a JSON list or JSON lines',
    }),
    serdeType: SerdeTypeSchema,
  }),
  outputs: T.Object({ messagesCount: T.Integer({ description: 'Messages published' }) }),
  examples: [
    {
      title: 'Publish two messages',
      code: [
        '- id: publish',
        '  type: io.kestra.plugin.amqp.Publish',
        '  host: rabbitmq',
        '  username: tern',
        '  password: "{{ secret(\'AMQP_PASSWORD\') }}"',
        '  exchange: readings',
        '  routingKey: room.a',
        '  serdeType: JSON',
        '  from:',
        '    - data: { celsius: 21.5 }',
        '      headers: { source: tern }',
        '    - data: { celsius: 22 }',
      ].join('\n'),
    },
  ],
  async run(props, ctx) {
    const problem = connectionProblem(props);
    if (problem) throw new TaskError(problem, false);
    const serde: SerdeType = props.serdeType ?? 'STRING';
    const raw = await messagesOf(props.from, ctx);
    const messages = raw.map((m, i) => {
      try {
        return outgoing(m, serde, `from[${i}]`);
      } catch (err) {
        throw new TaskError((err as Error).message, false);
      }
    });
    if (messages.length === 0) return { outputs: { messagesCount: 0 } };
    const routingKey = props.routingKey ?? '';
    await withChannel(props, (channel) => publishAll(channel, props.exchange, routingKey, messages), true);
    ctx.logger.debug(`published ${messages.length} message(s) to '${props.exchange}' with '${routingKey}'`);
    return { outputs: { messagesCount: messages.length } };
  },
});
