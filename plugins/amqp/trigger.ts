/**
 * `amqp`: one execution per message of a queue (Kestra's amqp.RealtimeTrigger).
 * A message is acknowledged only once its execution is durably stored, so a
 * crash before that leaves it in the queue; the broker gives it again, and a
 * redelivered message whose execution was already started is not started twice.
 */
import { createHash } from 'node:crypto';
import { Type as T } from '@sinclair/typebox';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { defineTrigger, type PropertyProblem, type TriggerContext } from '../../protocol/plugin.js';
import { brokerName, type ConnectionProps, ConnectionSchema, connect, connectionProblem } from './client.js';
import { MessageSchema, messageOf, type SerdeType, SerdeTypeSchema } from './message.js';

interface Props extends ConnectionProps {
  queue: string;
  consumerTag?: string;
  autoAck?: boolean;
  serdeType?: SerdeType;
}

/** Waits between attempts to reach the broker (or to start an execution): from the first to the last, doubling. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;
/** Messages the broker sends ahead of the one in hand. */
const PREFETCH = 16;

export default defineTrigger({
  type: 'amqp',
  aliases: ['io.kestra.plugin.amqp.RealtimeTrigger'],
  title: 'AMQP message',
  description:
    "Starts one execution per message of a queue of an AMQP 0-9-1 broker (RabbitMQ), in the order they come. A message is acknowledged once its execution is stored: after a crash or a lost connection the broker gives it again, and one whose execution was already started (same `messageId`, or else the same body, headers and routing key) is acknowledged without a second execution. A message whose body cannot be read (`serdeType: JSON` and not JSON) is rejected: the queue's dead-letter exchange, if it has one, keeps it. The execution sees the message as `trigger.data`, `trigger.headers`, `trigger.messageId` … (Kestra's message), with `trigger.exchange`, `trigger.routingKey` and `trigger.redelivered`.",
  properties: T.Object({
    ...ConnectionSchema,
    queue: T.String({ minLength: 1, description: 'The queue to consume' }),
    consumerTag: T.Optional(
      T.String({ default: 'Kestra', description: 'The consumer tag the broker shows' }),
    ),
    autoAck: T.Optional(
      T.Boolean({
        default: false,
        description:
          'The broker forgets a message as soon as it sends it: faster, but a message in flight when the runtime stops is lost',
      }),
    ),
    serdeType: SerdeTypeSchema,
  }),
  variables: MessageSchema,
  examples: [
    {
      title: 'Each order',
      code: '- id: orders\n  type: io.kestra.plugin.amqp.RealtimeTrigger\n  host: rabbitmq\n  username: tern\n  password: "{{ secret(\'AMQP_PASSWORD\') }}"\n  queue: orders\n  serdeType: JSON',
    },
  ],
  check(props: Props): PropertyProblem[] {
    const problem = connectionProblem(props);
    return problem ? [{ path: props.url === undefined ? 'host' : 'url', message: problem }] : [];
  },
  start(props: Props, ctx) {
    const listener = new AmqpListener(props, ctx);
    void listener.connect();
    return { stop: () => listener.stop() };
  },
});

/** What identifies a message across deliveries: its id, or else a hash of what it carries. */
function identity(message: ConsumeMessage): string {
  if (message.properties.messageId) return `id:${message.properties.messageId}`;
  return createHash('sha256')
    .update(message.fields.exchange)
    .update('\0')
    .update(message.fields.routingKey)
    .update('\0')
    .update(JSON.stringify(message.properties.headers ?? {}))
    .update('\0')
    .update(message.content)
    .digest('base64url');
}

/** One running `amqp` trigger: a consumer, reconnected until the trigger stops. */
class AmqpListener {
  private connection: ChannelModel | undefined;
  private channel: Channel | undefined;
  private retry: unknown;
  private delay = RETRY_FIRST_MS;
  /** Messages are handled one after the other, in the order they came. */
  private handling: Promise<void> = Promise.resolve();
  private readonly serde: SerdeType;
  private readonly broker: string;

  constructor(
    private readonly props: Props,
    private readonly ctx: TriggerContext,
  ) {
    this.serde = props.serdeType ?? 'STRING';
    this.broker = brokerName(props);
  }

  async stop(): Promise<void> {
    if (this.retry !== undefined) this.ctx.clock.clearTimeout(this.retry);
    this.retry = undefined;
    const { connection, channel } = this;
    this.connection = undefined;
    this.channel = undefined;
    // The message in hand finishes first (its execution stored, then acknowledged); the
    // ones the broker sent ahead go back to the queue when the channel closes. Closing the
    // channel before the connection sends the acknowledgements it holds.
    await this.handling;
    await channel?.close().catch(() => undefined);
    await connection?.close().catch(() => undefined);
  }

  async connect(): Promise<void> {
    if (this.ctx.signal.aborted) return;
    let connection: ChannelModel | undefined;
    try {
      connection = await connect(this.props, (err) =>
        this.ctx.logger.warn(`AMQP ${this.broker}: ${err.message}`),
      );
      if (this.ctx.signal.aborted) {
        await connection.close();
        return;
      }
      this.connection = connection;
      connection.on('close', () => this.lost(connection!));
      const channel = await connection.createChannel();
      this.channel = channel;
      channel.on('error', (err: Error) => this.ctx.logger.warn(`AMQP ${this.broker}: ${err.message}`));
      // A channel the broker closed (a deleted queue …) is a lost connection: start again.
      channel.on('close', () => void connection?.close().catch(() => undefined));
      await channel.prefetch(PREFETCH);
      const autoAck = this.props.autoAck ?? false;
      await channel.consume(
        this.props.queue,
        (message) => {
          this.handling = this.handling.then(() => this.handle(channel, message, autoAck));
        },
        { consumerTag: this.props.consumerTag ?? 'Kestra', noAck: autoAck },
      );
      this.delay = RETRY_FIRST_MS;
      this.ctx.logger.debug(`consuming '${this.props.queue}' on ${this.broker}`);
    } catch (err) {
      if (this.ctx.signal.aborted) return;
      this.ctx.logger.warn(
        `AMQP ${this.broker}, queue '${this.props.queue}': ${(err as Error).message}; trying again in ${this.delay / 1000}s`,
      );
      await connection?.close().catch(() => undefined);
      if (this.connection === connection) this.connection = undefined;
      this.later();
    }
  }

  /** The connection closed: unless the trigger stops, connect again after a pause. */
  private lost(connection: ChannelModel): void {
    if (this.ctx.signal.aborted || this.connection !== connection) return;
    this.connection = undefined;
    this.ctx.logger.warn(`AMQP ${this.broker}: connection lost; trying again in ${this.delay / 1000}s`);
    this.later();
  }

  private later(): void {
    if (this.retry !== undefined) return;
    this.retry = this.ctx.clock.setTimeout(() => {
      this.retry = undefined;
      void this.connect();
    }, this.delay);
    this.delay = Math.min(this.delay * 2, RETRY_MAX_MS);
  }

  private async handle(channel: Channel, message: ConsumeMessage | null, autoAck: boolean): Promise<void> {
    if (message === null) {
      this.ctx.logger.warn(`AMQP ${this.broker}: the broker cancelled the consumer of '${this.props.queue}'`);
      await channel.close().catch(() => undefined);
      return;
    }
    let variables: Record<string, unknown>;
    try {
      variables = messageOf(message, this.serde);
    } catch (err) {
      // It cannot be read, now or later: rejected, to the queue's dead-letter exchange if it has one.
      this.ctx.logger.error(
        `message of '${this.props.queue}' rejected: ${(err as Error).message}; body: ${message.content.toString('utf8').slice(0, 200)}`,
      );
      if (!autoAck) this.settle(() => channel.reject(message, false));
      return;
    }
    let held = false;
    for (;;) {
      if (this.ctx.signal.aborted) return; // not acknowledged: the broker gives it again
      const room = this.ctx.room();
      if (room) await Promise.race([room, this.pause(RETRY_MAX_MS)]);
      const outcome = await this.ctx.tryFire(variables, {
        dedupeKey: `queue:${this.props.queue}`,
        dedupeValue: identity(message),
        // A first delivery always fires (two equal messages are two events); a redelivery
        // whose execution was started before is not started again.
        dropRepeat: message.fields.redelivered,
      });
      if (outcome.kind === 'STARTED') await outcome.fired.stored();
      if (outcome.kind !== 'REFUSED' && outcome.kind !== 'FAILED') break;
      if (this.ctx.signal.aborted) return;
      // Said once per message held, not at every attempt.
      if (!held)
        this.ctx.logger.warn(
          `no execution for a message of '${this.props.queue}' now: ${outcome.reason}; held, trying again every ${RETRY_FIRST_MS / 1000}s`,
        );
      held = true;
      await this.pause(RETRY_FIRST_MS);
    }
    if (!autoAck) this.settle(() => channel.ack(message));
  }

  /** Acknowledges or rejects; on a channel already closed the broker gives the message again, which is safe. */
  private settle(act: () => void): void {
    try {
      act();
    } catch (err) {
      this.ctx.logger.debug(
        `AMQP ${this.broker}: not acknowledged (${(err as Error).message}); it comes again`,
      );
    }
  }

  /** Waits `ms`, or less when the trigger stops. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.ctx.clock.clearTimeout(handle);
        this.ctx.signal.removeEventListener('abort', done);
        resolve();
      };
      const handle = this.ctx.clock.setTimeout(done, ms);
      this.ctx.signal.addEventListener('abort', done, { once: true });
    });
  }
}
