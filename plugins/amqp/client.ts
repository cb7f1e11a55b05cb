/** What the amqp.* tasks and the `amqp` trigger share: Kestra's connection properties and the client (amqplib). */
import { createRequire } from 'node:module';
import { Type as T } from '@sinclair/typebox';
import type { Channel, ChannelModel, ConfirmChannel, Options } from 'amqplib';
import { TaskError } from '../../protocol/errors.js';
import { lazyModule } from '../lazy.js';

const require = createRequire(import.meta.url);
const amqplib = lazyModule<typeof import('amqplib')>(() => require('amqplib'));

/** How long opening a connection may take before it fails. */
const CONNECT_TIMEOUT_MS = 10_000;

/** Kestra's connection properties, shared by every amqp type. */
export const ConnectionSchema = {
  url: T.Optional(
    T.String({
      minLength: 1,
      description:
        "The broker as a URL, `amqp://user:password@host:port/vhost` (Kestra's older form, instead of `host` …; its path is the virtual host, slash included)",
    }),
  ),
  host: T.Optional(T.String({ minLength: 1, description: 'Broker host; required unless `url` is given' })),
  port: T.Optional(
    T.Union([T.String({ pattern: '^\\d+$' }), T.Integer({ minimum: 1, maximum: 65535 })], {
      default: '5672',
      description: 'Broker port',
    }),
  ),
  username: T.Optional(
    T.String({ description: "User name (the broker's default, often `guest`, when unset)" }),
  ),
  password: T.Optional(T.String({ description: 'Password' })),
  virtualHost: T.Optional(T.String({ default: '/', description: 'Virtual host' })),
};

/** The connection properties as a flow gives them. */
export interface ConnectionProps {
  url?: string;
  host?: string;
  port?: string | number;
  username?: string;
  password?: string;
  virtualHost?: string;
}

/** What is wrong with the connection properties, or undefined. */
export function connectionProblem(props: ConnectionProps): string | undefined {
  if (props.url === undefined && props.host === undefined) return 'give the broker: `host` (or `url`)';
  if (props.url !== undefined && props.host !== undefined) return 'give `host` or `url`, not both';
  if (
    props.url !== undefined &&
    !props.url.includes('{{') &&
    (!/^amqps?:\/\//.test(props.url) || !URL.canParse(props.url))
  )
    return `url: '${props.url}' is not an amqp:// or amqps:// URL`;
  return undefined;
}

/**
 * What amqplib connects with. A `url` is read as Kestra reads it: its user and
 * password, and its path as the virtual host as written (`/my_vhost`, slash included).
 */
function connectTarget(props: ConnectionProps): Options.Connect {
  if (props.url !== undefined) {
    const url = new URL(props.url);
    const amqps = url.protocol === 'amqps:';
    return {
      protocol: amqps ? 'amqps' : 'amqp',
      hostname: url.hostname,
      port: url.port === '' ? (amqps ? 5671 : 5672) : Number(url.port),
      username: url.username === '' ? undefined : decodeURIComponent(url.username),
      password: url.username === '' ? undefined : decodeURIComponent(url.password),
      vhost: url.pathname === '' ? '/' : decodeURIComponent(url.pathname),
    };
  }
  return {
    protocol: 'amqp',
    hostname: props.host,
    port: Number(props.port ?? 5672),
    username: props.username,
    password: props.password,
    vhost: props.virtualHost ?? '/',
  };
}

/** Where a connection goes, for messages (no credentials). */
export function brokerName(props: ConnectionProps): string {
  if (props.url !== undefined) {
    const url = new URL(props.url);
    return `${url.host}${url.pathname || '/'}`;
  }
  return `${props.host}:${props.port ?? 5672}${props.virtualHost ?? '/'}`;
}

/**
 * Opens a connection. Its errors are reported to `onError` (amqplib emits
 * them as events, which would otherwise end the process).
 */
export async function connect(props: ConnectionProps, onError: (err: Error) => void): Promise<ChannelModel> {
  const connection = await amqplib().connect(connectTarget(props), { timeout: CONNECT_TIMEOUT_MS });
  connection.on('error', onError);
  return connection;
}

/**
 * Runs `work` on a channel of a connection of its own, for a task's one
 * operation, and closes both. A failure becomes a TaskError naming the broker;
 * one the broker refused (a channel error: a wrong name, a declaration that
 * does not match) is not retryable.
 */
export async function withChannel<T>(
  props: ConnectionProps,
  work: (channel: Channel) => Promise<T>,
): Promise<T>;
/** With `confirm`, on a channel with publisher confirms. */
export async function withChannel<T>(
  props: ConnectionProps,
  work: (channel: ConfirmChannel) => Promise<T>,
  confirm: true,
): Promise<T>;
export async function withChannel<T>(
  props: ConnectionProps,
  work: (channel: ConfirmChannel) => Promise<T>,
  confirm = false,
): Promise<T> {
  const problem = connectionProblem(props);
  if (problem) throw new TaskError(problem, false);
  let connection: ChannelModel;
  try {
    connection = await connect(props, () => undefined);
  } catch (err) {
    throw new TaskError(`AMQP ${brokerName(props)}: ${(err as Error).message}`);
  }
  let channel: Channel | undefined;
  try {
    channel = confirm ? await connection.createConfirmChannel() : await connection.createChannel();
    channel.on('error', () => undefined); // the failed operation rejects with the same error
    const result = await work(channel as ConfirmChannel);
    // Closing the channel first sends what it holds (acknowledgements); closing only the connection may not.
    await channel.close();
    return result;
  } catch (err) {
    if (err instanceof TaskError) throw err;
    const refused = typeof (err as { code?: unknown }).code === 'number';
    throw new TaskError(`AMQP ${brokerName(props)}: ${(err as Error).message}`, !refused);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Kestra's `args`: a map of AMQP arguments (`x-message-ttl` …). */
export const ArgsSchema = (what: string) =>
  T.Optional(T.Record(T.String(), T.Unknown(), { description: `Other arguments of the ${what}` }));
