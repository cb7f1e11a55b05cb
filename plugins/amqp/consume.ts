/**
 * `amqp.consume`: takes messages from a queue into a stored file, up to a
 * count or for a time (Kestra's amqp.Consume). Messages are acknowledged only
 * once the file is stored: a task that fails or is killed leaves them in the queue.
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Type as T } from '@sinclair/typebox';
import type { Channel, ConsumeMessage } from 'amqplib';
import { DURATION_PATTERN, durationMs } from '../../protocol/duration.js';
import { TaskError } from '../../protocol/errors.js';
import { defineTask, type TaskContext } from '../../protocol/plugin.js';
import { storeResult } from '../storage/stored-files.js';
import { ConnectionSchema, withChannel } from './client.js';
import { messageOf, type SerdeType, SerdeTypeSchema } from './message.js';

/** Messages the broker sends ahead of the ones taken, at most. */
const PREFETCH_MAX = 500;

interface Bounds {
  maxRecords?: number;
  maxMs?: number;
}

/** Takes messages until a bound is reached; resolves with them (unacknowledged) and their lines. */
async function take(
  channel: Channel,
  queue: string,
  consumerTag: string,
  bounds: Bounds,
  serde: SerdeType,
  signal: AbortSignal,
): Promise<{ taken: ConsumeMessage[]; lines: string[] }> {
  const taken: ConsumeMessage[] = [];
  const lines: string[] = [];
  const max = bounds.maxRecords ?? Number.POSITIVE_INFINITY;
  await channel.prefetch(Math.min(max, PREFETCH_MAX));
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      onAbort = () => reject(new TaskError('stopped before the bound was reached', false));
      signal.addEventListener('abort', onAbort, { once: true });
      if (bounds.maxMs !== undefined) timer = setTimeout(resolve, bounds.maxMs);
      channel
        .consume(
          queue,
          (message) => {
            if (message === null) {
              reject(new TaskError(`the broker cancelled the consumer of '${queue}' (queue deleted?)`));
              return;
            }
            // Beyond the bound: left unacknowledged, the broker gives it to another consumer.
            if (taken.length >= max) return;
            try {
              lines.push(JSON.stringify(messageOf(message, serde)));
            } catch (err) {
              reject(
                new TaskError(`message ${taken.length + 1} of '${queue}': ${(err as Error).message}`, false),
              );
              return;
            }
            taken.push(message);
            if (taken.length >= max) resolve();
          },
          { consumerTag, noAck: false },
        )
        .catch(reject);
    });
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
  await channel.cancel(consumerTag);
  return { taken, lines };
}

async function writeLines(ctx: TaskContext, lines: string[]): Promise<string> {
  const path = join(await ctx.workingDir(), 'messages.jsonl');
  const file = createWriteStream(path);
  for (const line of lines)
    if (!file.write(`${line}\n`)) await new Promise((r) => file.once('drain', () => r(undefined)));
  await new Promise<void>((resolve, reject) =>
    file.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  return storeResult(ctx, 'messages.jsonl', path);
}

export default defineTask({
  type: 'amqp.consume',
  aliases: ['io.kestra.plugin.amqp.Consume'],
  title: 'AMQP consume',
  description:
    'Takes messages from a queue of an AMQP 0-9-1 broker (RabbitMQ) until `maxRecords` were taken or `maxDuration` has passed (give one or both), and stores them as a JSON Lines file, one message (`data` read by `serdeType`, and its properties) per line. The messages are acknowledged once the file is stored; a task that fails, is killed or whose runtime stops leaves them in the queue.',
  properties: T.Object({
    ...ConnectionSchema,
    queue: T.String({ minLength: 1, description: 'The queue to take messages from' }),
    serdeType: SerdeTypeSchema,
    consumerTag: T.Optional(
      T.String({ default: 'Kestra', description: 'The consumer tag the broker shows' }),
    ),
    maxRecords: T.Optional(T.Integer({ minimum: 1, description: 'Stop after this many messages' })),
    maxDuration: T.Optional(
      T.String({ pattern: DURATION_PATTERN, description: 'Stop after this long (ISO-8601, e.g. PT30S)' }),
    ),
  }),
  outputs: T.Object({
    count: T.Integer({ description: 'Messages taken' }),
    uri: T.String({ description: 'The stored JSON Lines file of the messages' }),
  }),
  examples: [
    {
      title: 'At most 1000 messages, or what comes in 30 seconds',
      code: '- id: consume\n  type: io.kestra.plugin.amqp.Consume\n  host: rabbitmq\n  queue: orders\n  serdeType: JSON\n  maxRecords: 1000\n  maxDuration: PT30S',
    },
  ],
  async run(props, ctx) {
    if (props.maxRecords === undefined && props.maxDuration === undefined)
      throw new TaskError('give `maxRecords` or `maxDuration` (or both): the task must end', false);
    const bounds: Bounds = { maxRecords: props.maxRecords };
    if (props.maxDuration !== undefined) {
      try {
        bounds.maxMs = durationMs(props.maxDuration, 'maxDuration');
      } catch (err) {
        throw new TaskError((err as Error).message, false);
      }
    }
    const serde: SerdeType = props.serdeType ?? 'STRING';
    return withChannel(props, async (channel) => {
      const { taken, lines } = await take(
        channel,
        props.queue,
        props.consumerTag ?? 'Kestra',
        bounds,
        serde,
        ctx.signal,
      );
      const uri = await writeLines(ctx, lines);
      const last = taken.at(-1);
      if (last) channel.ack(last, true);
      ctx.logger.debug(`took ${taken.length} message(s) from '${props.queue}'`);
      return { outputs: { count: taken.length, uri } };
    });
  },
});
