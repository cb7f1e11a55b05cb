/** AMQP messages as Kestra's AMQP plugin shows them (`data` and the message properties), both ways. */
import { Type as T } from '@sinclair/typebox';
import type { ConsumeMessage, Options } from 'amqplib';
import { formatDuration, parseDuration } from '../../protocol/duration.js';

/** How a message body is read and written (Kestra's `serdeType`). */
export type SerdeType = 'STRING' | 'JSON';

export const SerdeTypeSchema = T.Optional(
  T.Union([T.Literal('STRING'), T.Literal('JSON')], {
    default: 'STRING',
    description: 'How message bodies are read and written: STRING (text) or JSON',
  }),
);

/** A message as a task or an execution sees it; absent properties are left out. */
export const MessageSchema = T.Object({
  data: T.Unknown({ description: 'The body, read by `serdeType`' }),
  contentType: T.Optional(T.String()),
  contentEncoding: T.Optional(T.String()),
  headers: T.Optional(T.Record(T.String(), T.String(), { description: 'Header values as text' })),
  deliveryMode: T.Optional(T.Integer({ description: '1 transient, 2 persistent' })),
  priority: T.Optional(T.Integer()),
  messageId: T.Optional(T.String()),
  correlationId: T.Optional(T.String()),
  replyTo: T.Optional(T.String()),
  expiration: T.Optional(T.String({ description: 'ISO-8601 duration' })),
  timestamp: T.Optional(T.String({ description: 'ISO-8601 instant' })),
  type: T.Optional(T.String()),
  userId: T.Optional(T.String()),
  appId: T.Optional(T.String()),
  exchange: T.String({ description: 'The exchange it was published to (empty: the default exchange)' }),
  routingKey: T.String(),
  redelivered: T.Boolean({ description: 'Delivered before and not acknowledged' }),
});

/** The body as bytes: STRING writes text as is and anything else as JSON; JSON always writes JSON. */
export function encode(data: unknown, serde: SerdeType): Buffer {
  if (serde === 'STRING' && typeof data === 'string') return Buffer.from(data);
  return Buffer.from(JSON.stringify(data ?? null));
}

/** The body read back; throws on a JSON body that is not JSON. */
export function decode(body: Buffer, serde: SerdeType): unknown {
  const text = body.toString('utf8');
  if (serde === 'STRING') return text;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`the body is not JSON (${(err as Error).message})`);
  }
}

/** A received message as Kestra's Message output, plus where it came from. */
export function messageOf(message: ConsumeMessage, serde: SerdeType): Record<string, unknown> {
  const p = message.properties;
  const out: Record<string, unknown> = { data: decode(message.content, serde) };
  const put = (name: string, value: unknown) => {
    if (value !== undefined && value !== null) out[name] = value;
  };
  put('contentType', p.contentType);
  put('contentEncoding', p.contentEncoding);
  if (p.headers && Object.keys(p.headers).length > 0)
    out.headers = Object.fromEntries(
      Object.entries(p.headers).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    );
  put('deliveryMode', p.deliveryMode);
  put('priority', p.priority);
  put('messageId', p.messageId);
  put('correlationId', p.correlationId);
  put('replyTo', p.replyTo);
  if (p.expiration !== undefined && p.expiration !== null)
    out.expiration = formatDuration(Number(p.expiration));
  if (typeof p.timestamp === 'number') out.timestamp = new Date(p.timestamp * 1000).toISOString();
  put('type', p.type);
  put('userId', p.userId);
  put('appId', p.appId);
  out.exchange = message.fields.exchange;
  out.routingKey = message.fields.routingKey;
  out.redelivered = message.fields.redelivered;
  return out;
}

/** The fields a message to publish may have (Kestra's Message). */
const PUBLISH_FIELDS = new Set([
  'data',
  'contentType',
  'contentEncoding',
  'headers',
  'deliveryMode',
  'priority',
  'messageId',
  'correlationId',
  'replyTo',
  'expiration',
  'timestamp',
  'type',
  'userId',
  'appId',
]);

const TEXT_FIELDS = [
  'contentType',
  'contentEncoding',
  'messageId',
  'correlationId',
  'replyTo',
  'type',
  'userId',
  'appId',
] as const;

/** A message to publish: its body and options. Throws an Error naming the field (`where`) that is wrong. */
export function outgoing(
  raw: unknown,
  serde: SerdeType,
  where: string,
): { content: Buffer; options: Options.Publish } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new Error(`${where}: a message is a map with \`data\` (and \`headers\`, \`messageId\` …)`);
  const m = raw as Record<string, unknown>;
  const unknown = Object.keys(m).filter((k) => !PUBLISH_FIELDS.has(k));
  if (unknown.length > 0)
    throw new Error(
      `${where}: unknown field(s) ${unknown.join(', ')} (a message has ${[...PUBLISH_FIELDS].join(', ')})`,
    );
  const options: Options.Publish = {};
  for (const name of TEXT_FIELDS) {
    if (m[name] === undefined || m[name] === null) continue;
    if (typeof m[name] !== 'string') throw new Error(`${where}.${name}: must be text`);
    options[name] = m[name] as string;
  }
  if (m.headers !== undefined && m.headers !== null) {
    if (typeof m.headers !== 'object' || Array.isArray(m.headers))
      throw new Error(`${where}.headers: must be a map of name to value`);
    options.headers = m.headers;
  }
  for (const name of ['deliveryMode', 'priority'] as const) {
    if (m[name] === undefined || m[name] === null) continue;
    if (!Number.isInteger(m[name])) throw new Error(`${where}.${name}: must be an integer`);
    options[name] = m[name] as number;
  }
  if (m.expiration !== undefined && m.expiration !== null) {
    const ms = typeof m.expiration === 'number' ? m.expiration : parseDuration(String(m.expiration));
    if (ms === undefined || ms < 0)
      throw new Error(`${where}.expiration: '${m.expiration}' is not an ISO-8601 duration such as PT30S`);
    options.expiration = String(Math.round(ms));
  }
  if (m.timestamp !== undefined && m.timestamp !== null) {
    const ms = typeof m.timestamp === 'number' ? m.timestamp : Date.parse(String(m.timestamp));
    if (!Number.isFinite(ms)) throw new Error(`${where}.timestamp: '${m.timestamp}' is not a date`);
    options.timestamp = Math.floor(ms / 1000);
  }
  return { content: encode(m.data, serde), options };
}
