/** `http.request`: calls an HTTP endpoint with `fetch` and returns the response as outputs (Kestra's Request). */
import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { type Static, Type as T } from '@sinclair/typebox';
import { parseDuration } from '../../protocol/duration.js';
import { TaskError } from '../../protocol/errors.js';
import { defineTask, type TaskContext } from '../../protocol/plugin.js';
import {
  decode,
  ResponseTooLargeError,
  readLimited,
  responseHeaders,
  type TimeoutKind,
  Timeouts,
} from './response-reader.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
const DEFAULT_READ_TIMEOUT = 'PT10S';
const DEFAULT_MAX_CONTENT_LENGTH = 10 * 1024 * 1024;
const Duration = (description: string) => T.String({ description: `${description} (ISO-8601 duration)` });

const Options = T.Object(
  {
    connectTimeout: T.Optional(
      Duration('Extra time allowed, on top of readTimeout, until the response headers arrive'),
    ),
    readTimeout: T.Optional(
      Duration(
        `Longest wait for the response headers and then between two chunks of the body; default ${DEFAULT_READ_TIMEOUT}`,
      ),
    ),
    followRedirects: T.Optional(T.Boolean({ default: true })),
    allowFailed: T.Optional(
      T.Boolean({ default: false, description: 'Do not fail on a 4xx or 5xx response' }),
    ),
    allowedResponseCodes: T.Optional(
      T.Array(T.Integer(), { description: 'The only codes that do not fail' }),
    ),
    maxContentLength: T.Optional(T.Integer({ minimum: 1, default: DEFAULT_MAX_CONTENT_LENGTH })),
    defaultCharset: T.Optional(T.String({ default: 'UTF-8', description: 'When the response names none' })),
    auth: T.Optional(
      T.Object({
        type: T.Union([T.Literal('BASIC'), T.Literal('BEARER')]),
        username: T.Optional(T.String()),
        password: T.Optional(T.String()),
        token: T.Optional(T.String()),
      }),
    ),
    basicAuthUser: T.Optional(T.String({ description: 'Older form of auth: {type: BASIC}' })),
    basicAuthPassword: T.Optional(T.String()),
  },
  // Kestra has more client options (proxy, pools…); flows that set them still load.
  { additionalProperties: true },
);

const Properties = T.Object({
  uri: T.String({ minLength: 1, description: 'The http(s) URL to call' }),
  method: T.Optional(
    T.Union(
      METHODS.map((m) => T.Literal(m)),
      { default: 'GET' },
    ),
  ),
  body: T.Optional(T.Unknown({ description: 'Request body: a string as is, any other value as JSON' })),
  formData: T.Optional(
    T.Record(T.String(), T.Unknown(), {
      description:
        'Form fields, URL-encoded, or multipart with contentType multipart/form-data (a stored file URI is sent as a file)',
    }),
  ),
  contentType: T.Optional(T.String({ description: 'Content-Type of the request body' })),
  headers: T.Optional(
    T.Record(T.String(), T.Union([T.String(), T.Number(), T.Boolean(), T.Array(T.String())])),
  ),
  options: T.Optional(Options),
  sslOptions: T.Optional(
    T.Record(T.String(), T.Unknown(), { description: 'Accepted for compatibility; ignored' }),
  ),
  encryptBody: T.Optional(T.Boolean({ description: 'Accepted for compatibility; ignored' })),
});
type Props = Static<typeof Properties>;

const Outputs = T.Object({
  uri: T.String(),
  code: T.Integer(),
  headers: T.Record(T.String(), T.Array(T.String())),
  body: T.String(),
  length: T.Integer({ description: 'Bytes in the response body' }),
});

export default defineTask({
  type: 'http.request',
  aliases: ['io.kestra.plugin.core.http.Request'],
  title: 'HTTP request',
  description:
    'Sends an HTTP request and returns the status code, headers and body (as a string: use `fromJson` to read JSON). ' +
    'A 4xx or 5xx answer fails the task unless `options.allowFailed` is set; 5xx, 408, 429, timeouts and network ' +
    'errors can be retried, other 4xx cannot. The body is capped at `options.maxContentLength` (10 MiB).',
  properties: Properties,
  outputs: Outputs,
  examples: [
    {
      title: 'Read a JSON API and use a field of the answer',
      code: [
        'id: weather',
        'namespace: plant1',
        'tasks:',
        '  - id: fetch',
        '    type: http.request',
        '    uri: https://api.example.com/v1/weather?site=plant1',
        '    headers:',
        '      Authorization: "Bearer {{ secret(\'WEATHER_TOKEN\') }}"',
        '  - id: log',
        '    type: log',
        '    message: "Outside: {{ (outputs.fetch.body | fromJson).temperature }} °C"',
      ].join('\n'),
    },
    {
      title: 'Post a JSON document and accept any answer',
      code: [
        '- id: report',
        '  type: io.kestra.plugin.core.http.Request',
        '  uri: http://10.0.0.5:8080/readings',
        '  method: POST',
        '  contentType: application/json',
        '  body: \'{"sensor": "t1", "value": {{ inputs.value }}}\'',
        '  options:',
        '    readTimeout: PT5S',
        '    allowFailed: true',
      ].join('\n'),
    },
  ],
  run: (props, ctx) => send(props, ctx),
});

async function send(props: Props, ctx: TaskContext) {
  const method = props.method ?? 'GET';
  const options = props.options ?? {};
  const { url, userInfo } = parseUrl(props.uri);
  const where = `${method} ${url.href}`;
  if (props.sslOptions && Object.keys(props.sslOptions).length > 0) {
    ctx.logger.warn('sslOptions are ignored: the system trust store is used');
  }
  if (props.encryptBody) ctx.logger.warn('encryptBody is ignored: the body output is stored as is');

  const headers = requestHeaders(props, userInfo);
  const body = await requestBody(props, ctx, method, headers);
  const readTimeoutMs = durationOption(options.readTimeout ?? DEFAULT_READ_TIMEOUT, 'options.readTimeout');
  const connectTimeoutMs = options.connectTimeout
    ? durationOption(options.connectTimeout, 'options.connectTimeout')
    : 0;
  const timeouts = new Timeouts(ctx.signal);
  const failed = (error: unknown): TaskError =>
    requestError(error, where, timeouts.fired, ctx.signal, options);

  ctx.logger.debug(where);
  let response: Response;
  try {
    timeouts.arm('headers', connectTimeoutMs + readTimeoutMs);
    response = await fetch(url, {
      method,
      headers,
      body,
      redirect: options.followRedirects === false ? 'manual' : 'follow',
      signal: timeouts.signal,
    });
  } catch (error) {
    timeouts.clear();
    throw failed(error);
  }

  let bytes: Uint8Array;
  try {
    bytes = await readLimited(response, options.maxContentLength ?? DEFAULT_MAX_CONTENT_LENGTH, () =>
      timeouts.arm('body', readTimeoutMs),
    );
  } catch (error) {
    throw error instanceof ResponseTooLargeError
      ? new TaskError(`${where}: ${error.message}`, false)
      : failed(error);
  } finally {
    timeouts.clear();
  }

  const outputs = {
    uri: url.href,
    code: response.status,
    headers: responseHeaders(response.headers),
    body: decode(bytes, response.headers.get('content-type'), options.defaultCharset),
    length: bytes.byteLength,
  };
  ctx.logger.debug(`${where} answered ${response.status} (${bytes.byteLength} bytes)`);

  const accepted =
    options.allowFailed === true ||
    (options.allowedResponseCodes
      ? options.allowedResponseCodes.includes(response.status)
      : response.status < 400);
  if (!accepted) {
    const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    const excerpt = outputs.body.length > 500 ? `${outputs.body.slice(0, 500)}…` : outputs.body;
    const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
    throw new TaskError(`${where} answered ${status}${excerpt ? `: ${excerpt}` : ''}`, retryable, {
      details: { code: response.status, headers: outputs.headers, body: outputs.body },
    });
  }
  return { outputs };
}

/** The URL without `user:password@` (fetch refuses it, and it must not reach logs), and those credentials. */
function parseUrl(uri: string): { url: URL; userInfo: { user: string; password: string } | undefined } {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new TaskError(`'${uri}' is not a valid URL`, false);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TaskError(`'${url.protocol}' URLs cannot be requested: use http or https`, false);
  }
  const userInfo =
    url.username || url.password
      ? { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) }
      : undefined;
  url.username = '';
  url.password = '';
  return { url, userInfo };
}

function durationOption(text: string, what: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    throw new TaskError(`${what}: '${text}' is not a positive ISO-8601 duration`, false);
  }
  return ms;
}

/** Headers, content type and credentials (from `options.auth`, or else from the URL). */
function requestHeaders(props: Props, userInfo: { user: string; password: string } | undefined): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(props.headers ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, String(v));
  }
  if (props.contentType && !headers.has('content-type')) headers.set('content-type', props.contentType);
  if (headers.has('authorization')) return headers;
  const auth = props.options?.auth;
  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  let authorization: string | undefined;
  if (auth?.type === 'BEARER' && auth.token) authorization = `Bearer ${auth.token}`;
  else if (auth?.type === 'BASIC') authorization = basic(auth.username ?? '', auth.password ?? '');
  else if (props.options?.basicAuthUser) {
    authorization = basic(props.options.basicAuthUser, props.options.basicAuthPassword ?? '');
  } else if (userInfo) authorization = basic(userInfo.user, userInfo.password);
  if (authorization) headers.set('authorization', authorization);
  return headers;
}

async function requestBody(props: Props, ctx: TaskContext, method: string, headers: Headers) {
  if (props.body === undefined && props.formData === undefined) return undefined;
  if (method === 'GET' || method === 'HEAD') {
    throw new TaskError(`a ${method} request cannot have a body`, false);
  }
  if (props.body !== undefined && props.formData !== undefined) {
    throw new TaskError('set either body or formData, not both', false);
  }
  if (props.formData === undefined) {
    if (typeof props.body === 'string') return props.body;
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return JSON.stringify(props.body);
  }
  const fields = Object.entries(props.formData).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).map((v) => [name, v] as const),
  );
  const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  if (!/^multipart\/form-data\b/i.test(headers.get('content-type') ?? '')) {
    return new URLSearchParams(fields.map(([name, v]): [string, string] => [name, text(v)]));
  }
  // fetch writes the multipart content type itself, with the boundary it chose.
  headers.delete('content-type');
  const form = new FormData();
  for (const [name, v] of fields) {
    if (typeof v === 'string' && ctx.storage.isUri(v)) {
      const path = ctx.storage.localPath(v);
      const file = await openAsBlob(path).catch((error: unknown) => {
        throw new TaskError(`formData.${name}: cannot read ${v}: ${(error as Error).message}`, false);
      });
      form.append(name, file, basename(path));
    } else {
      form.append(name, text(v));
    }
  }
  return form;
}

function requestError(
  error: unknown,
  where: string,
  fired: TimeoutKind | undefined,
  signal: AbortSignal,
  options: NonNullable<Props['options']>,
): TaskError {
  if (signal.aborted) return new TaskError(`${where}: aborted`, false, { cause: signal.reason });
  if (fired) {
    const limit =
      fired === 'headers'
        ? `no response within readTimeout ${options.readTimeout ?? DEFAULT_READ_TIMEOUT}${options.connectTimeout ? ` + connectTimeout ${options.connectTimeout}` : ''}`
        : `the response body stalled for longer than readTimeout ${options.readTimeout ?? DEFAULT_READ_TIMEOUT}`;
    return new TaskError(`${where}: timed out: ${limit}`, true, { cause: error });
  }
  // fetch reports network failures as `TypeError: fetch failed` with the system error as its cause.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new TaskError(`${where} failed: ${reason}`, true, { cause: error });
}
