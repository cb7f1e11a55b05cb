/** `amqp.declareExchange`: declares an exchange, creating it unless it exists alike (Kestra's amqp.DeclareExchange). */
import { Type as T } from '@sinclair/typebox';
import { defineTask } from '../../protocol/plugin.js';
import { ArgsSchema, ConnectionSchema, withChannel } from './client.js';

export default defineTask({
  type: 'amqp.declareExchange',
  aliases: ['io.kestra.plugin.amqp.DeclareExchange', 'io.kestra.plugin.amqp.CreateExchange'],
  title: 'AMQP declare exchange',
  description:
    'Declares an exchange on an AMQP 0-9-1 broker (RabbitMQ): creates it, or does nothing when it exists with the same settings; one that exists with other settings fails the task.',
  properties: T.Object({
    ...ConnectionSchema,
    name: T.String({ minLength: 1, description: 'The exchange name' }),
    exchangeType: T.Optional(
      T.Union([T.Literal('DIRECT'), T.Literal('FANOUT'), T.Literal('TOPIC'), T.Literal('HEADERS')], {
        default: 'DIRECT',
        description: 'The exchange type',
      }),
    ),
    durability: T.Optional(
      T.Boolean({ default: true, description: 'The exchange survives a broker restart' }),
    ),
    autoDelete: T.Optional(
      T.Boolean({
        default: false,
        description: 'The broker deletes the exchange once no queue is bound to it',
      }),
    ),
    internal: T.Optional(
      T.Boolean({
        default: false,
        description: 'Clients cannot publish to it; only other exchanges feed it',
      }),
    ),
    args: ArgsSchema('exchange (`alternate-exchange` …)'),
  }),
  outputs: T.Object({ exchange: T.String({ description: 'The exchange name' }) }),
  examples: [
    {
      title: 'A topic exchange for readings',
      code: '- id: exchange\n  type: io.kestra.plugin.amqp.DeclareExchange\n  host: rabbitmq\n  name: readings\n  exchangeType: TOPIC',
    },
  ],
  async run(props) {
    await withChannel(props, (channel) =>
      channel.assertExchange(props.name, (props.exchangeType ?? 'DIRECT').toLowerCase(), {
        durable: props.durability ?? true,
        autoDelete: props.autoDelete ?? false,
        internal: props.internal ?? false,
        arguments: props.args,
      }),
    );
    return { outputs: { exchange: props.name } };
  },
});
