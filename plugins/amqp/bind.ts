/** `amqp.bind`: binds a queue to an exchange (Kestra's amqp.QueueBind). */
import { Type as T } from '@sinclair/typebox';
import { defineTask } from '../../protocol/plugin.js';
import { ArgsSchema, ConnectionSchema, withChannel } from './client.js';

export default defineTask({
  type: 'amqp.bind',
  aliases: ['io.kestra.plugin.amqp.QueueBind'],
  title: 'AMQP bind queue',
  description:
    'Binds a queue to an exchange of an AMQP 0-9-1 broker (RabbitMQ), so that the messages the exchange routes with `routingKey` (a pattern for a topic exchange) reach the queue. Binding again is harmless.',
  properties: T.Object({
    ...ConnectionSchema,
    exchange: T.String({ minLength: 1, description: 'The exchange to bind to' }),
    queue: T.String({ minLength: 1, description: 'The queue to bind' }),
    routingKey: T.Optional(
      T.String({ default: '', description: 'The routing key (or pattern) of the binding' }),
    ),
    args: ArgsSchema('binding (a headers exchange matches on them)'),
  }),
  outputs: T.Object({
    queue: T.String({ description: 'The queue name' }),
    exchange: T.String({ description: 'The exchange name' }),
  }),
  examples: [
    {
      title: 'Every reading of room a',
      code: '- id: bind\n  type: io.kestra.plugin.amqp.QueueBind\n  host: rabbitmq\n  exchange: readings\n  queue: room-a\n  routingKey: "room.a.#"',
    },
  ],
  async run(props) {
    await withChannel(props, (channel) =>
      channel.bindQueue(props.queue, props.exchange, props.routingKey ?? '', props.args),
    );
    return { outputs: { queue: props.queue, exchange: props.exchange } };
  },
});
