/**
 * The agent's own HTTP listener (`tern agent --http-port`): the webhook
 * route of the flows it runs, as the hub serves it, so that a device on the
 * agent's network can start a flow without going through the hub. Failed
 * calls are limited per address as on the hub.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { MAX_JSON_DEPTH, tooDeep } from '../protocol/json-depth.js';
import type { Logger } from '../protocol/logger.js';
import type { Engine } from '../runtime/engine/engine.js';
import type { FlowRecord } from '../runtime/engine/ports.js';
import { clientAddress, FailureLimiter } from '../runtime/triggers/failure-limiter.js';
import type { TriggerRuntime } from '../runtime/triggers/runtime.js';
import { answerWebhook } from '../runtime/triggers/webhooks.js';

export interface AgentHttpOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  engine: Engine;
  /** The flow the agent runs under this name, if any. */
  flow(namespace: string, id: string): FlowRecord | undefined;
  /** Why no execution may start now, or undefined. */
  refusal(): string | undefined;
  /** The agent's trigger runtime: calls count in their webhook trigger's status and queue. */
  triggers?: TriggerRuntime;
  logger: Logger;
  /** Largest request body; default 1 MiB. */
  bodyLimitBytes?: number;
}

/** A running listener. */
export interface AgentHttp {
  /** e.g. http://127.0.0.1:8081 */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const WEBHOOK_PATH = '/api/v1/executions/webhook/:namespace/:flowId/:key';

const error = (c: Context, status: 400 | 404 | 413 | 429, code: string, message: string) =>
  c.json({ error: { code, message } }, status);

/** Starts the listener; rejects when the port cannot be bound. */
export async function startAgentHttp(options: AgentHttpOptions): Promise<AgentHttp> {
  const log = options.logger.child({ component: 'http' });
  const app = new Hono();
  app.use(
    bodyLimit({
      maxSize: options.bodyLimitBytes ?? 1024 * 1024,
      onError: (c) => error(c, 413, 'PAYLOAD_TOO_LARGE', 'the request body is too large'),
    }),
  );
  const failures = new FailureLimiter();
  app.on(['GET', 'POST', 'PUT'], WEBHOOK_PATH, async (c) => {
    const address = clientAddress(c);
    const wait = failures.retryAfterSeconds(address);
    if (wait > 0) {
      c.header('Retry-After', String(wait));
      return error(
        c,
        429,
        'TOO_MANY_REQUESTS',
        `too many failed webhook calls from ${address}: retry in ${wait} s`,
      );
    }
    const { namespace, flowId, key } = c.req.param();
    const text = await c.req.text();
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    let body: unknown = text === '' ? null : text;
    if (text !== '' && (type === 'application/json' || type.endsWith('+json'))) {
      if (tooDeep(text) !== undefined)
        return error(c, 400, 'BAD_REQUEST', `the body is nested more than ${MAX_JSON_DEPTH} levels deep`);
      try {
        body = JSON.parse(text);
      } catch (err) {
        return error(c, 400, 'BAD_REQUEST', `the body is not valid JSON: ${(err as Error).message}`);
      }
    }
    const reply = await answerWebhook({
      engine: options.engine,
      record: options.flow(namespace, flowId),
      key,
      call: { method: c.req.method, body, headers: c.req.header(), query: c.req.query() },
      refusal: options.refusal,
      triggers: options.triggers,
      logger: log,
    });
    if (reply.status === 200) return c.json(reply.body as object);
    if (reply.status === 204) return c.body(null, 204);
    if (reply.status === 404) {
      failures.recordFailure(address);
      return error(c, 404, 'NOT_FOUND', `no webhook ${namespace}.${flowId} with this key`);
    }
    return c.json({ error: reply.error }, reply.status);
  });
  app.notFound((c) => error(c, 404, 'NOT_FOUND', `no route ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => {
    log.error({ err: err.message, path: c.req.path }, 'request failed');
    return c.json({ error: { code: 'INTERNAL', message: 'internal error' } }, 500);
  });

  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port, hostname: options.host }, () =>
      resolve(s as Server),
    ) as Server;
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const shown = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  const url = `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
  log.info({ url }, 'HTTP listener started');
  return {
    url,
    port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
