/** `amqp.declareQueue`: declares a queue, creating it unless it exists alike (Kestra's amqp.CreateQueue). */
import { Type as T } from '@sinclair/typebox';
import { defineTask } from '../../protocol/plugin.js';
import { ArgsSchema, ConnectionSchema, withChannel } from './client.js';

export default defineTask({
  type: 'amqp.declareQueue',
  aliases: ['io.kestra.plugin.amqp.CreateQueue'],
  title: 'AMQP declare queue',
  description:
    'Declares a queue on an AMQP 0-9-1 broker (RabbitMQ): creates it, or does nothing when it exists with the same settings; one that exists with other settings fails the task. Outputs the number of messages ready in it and of its consumers.',
  properties: T.Object({
    ...ConnectionSchema,
    name: T.String({ minLength: 1, description: 'The queue name' }),
    durability: T.Optional(T.Boolean({ default: true, description: 'The queue survives a broker restart' })),
    exclusive: T.Optional(
      T.Boolean({
        default: false,
        description: 'Only the declaring connection may use it (and it ends with it)',
      }),
    ),
    autoDelete: T.Optional(
      T.Boolean({
        default: false,
        description: 'The broker deletes the queue once its last consumer leaves',
      }),
    ),
    args: ArgsSchema('queue (`x-message-ttl`, `x-dead-letter-exchange`, `x-queue-type` …)'),
  }),
  outputs: T.Object({
    queue: T.String({ description: 'The queue name' }),
    messageCount: T.Integer({ description: 'Messages ready in the queue' }),
    consumerCount: T.Integer({ description: 'Consumers of the queue' }),
  }),
  examples: [
    {
      title: 'A durable queue with a dead-letter exchange',
      code: '- id: queue\n  type: io.kestra.plugin.amqp.CreateQueue\n  host: rabbitmq\n  name: orders\n  args:\n    x-dead-letter-exchange: orders.dead',
    },
  ],
  async run(props) {
    const reply = await withChannel(props, (channel) =>
      channel.assertQueue(props.name, {
        durable: props.durability ?? true,
        exclusive: props.exclusive ?? false,
        autoDelete: props.autoDelete ?? false,
        arguments: props.args,
      }),
    );
    return {
      outputs: { queue: reply.queue, messageCount: reply.messageCount, consumerCount: reply.consumerCount },
    };
  },
});
