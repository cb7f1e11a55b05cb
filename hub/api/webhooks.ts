/** Webhook route: starts the flow whose webhook trigger has the key in the path. The key is the secret: no token. */
import { Type as T } from '@sinclair/typebox';
import type { Context } from 'hono';
import { TernError } from '../../protocol/errors.js';
import {
  clientAddress,
  FailureLimiter,
  WEBHOOK_FAILURE_LIMITS,
} from '../../runtime/triggers/failure-limiter.js';
import { mediaType, parseJsonBody } from './body.js';
import type { RouteTable } from './route.js';
import { ErrorBodySchema, ExecutionSchema, Id, Namespace } from './schemas.js';
import type { HubServices } from './services.js';

/** The body as the trigger sees it: parsed JSON for JSON, the text otherwise, null when empty. */
async function webhookBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text === '') return null;
  const type = mediaType(c);
  return type === 'application/json' || type.endsWith('+json') ? parseJsonBody(text) : text;
}

/** Registers the webhook route. */
export function webhookRoutes(table: RouteTable, services: HubServices): void {
  const failures = new FailureLimiter();
  table.add(
    {
      method: ['get', 'post', 'put'],
      path: '/executions/webhook/:namespace/:flowId/:key',
      operationId: 'webhook',
      tag: 'executions',
      summary: 'Trigger a flow through its webhook',
      description:
        "Public: the `key` of the flow's webhook trigger is the secret. The trigger sees `method`, `body` (parsed when JSON), `headers` and `query`; headers that carry credentials (a name holding `auth`, `token`, `secret`, `password`, `api-key`, `session`, `credential` or `cookie`: `Authorization`, `Cookie`, `X-Api-Key`…) are dropped and never stored. An unknown flow and a wrong key both answer 404, so keys cannot be probed flow by flow; an address with too many of those waits (429). A trigger with `wait: true` answers once the execution has ended; with `returnOutputs: true`, with the flow's outputs.",
      auth: false,
      params: T.Object({ namespace: Namespace, flowId: Id, key: T.String({ minLength: 1, maxLength: 256 }) }),
      body: { raw: true, required: false, description: 'Any body' },
      responses: {
        200: {
          description: 'The execution started (with `wait`, ended), or with `returnOutputs` its outputs',
          schema: T.Union([ExecutionSchema, T.Record(T.String(), T.Unknown())]),
        },
        204: { description: 'A condition of the trigger does not hold: nothing started' },
        404: { description: 'No such flow, or no webhook trigger with this key', schema: ErrorBodySchema },
        422: { description: 'The trigger gives invalid inputs', schema: ErrorBodySchema },
        429: {
          description: `Too many failed calls (404) from this address: ${WEBHOOK_FAILURE_LIMITS.failures} a minute; wait \`Retry-After\` seconds`,
          schema: ErrorBodySchema,
        },
      },
    },
    async (c, { params }) => {
      const address = clientAddress(c);
      const wait = failures.retryAfterSeconds(address);
      if (wait > 0) {
        c.header('Retry-After', String(wait));
        throw new TernError(
          'TOO_MANY_REQUESTS',
          `too many failed webhook calls from ${address}: retry in ${wait} s`,
        );
      }
      const request = {
        method: c.req.method,
        body: await webhookBody(c),
        headers: c.req.header(),
        query: c.req.query(),
      };
      const reply = await services.executions.webhook(params.namespace, params.flowId, params.key, request);
      if (reply.status === 200) return c.json(reply.body as object);
      if (reply.status === 204) return c.body(null, 204);
      if (reply.status === 404) {
        failures.recordFailure(address);
        throw new TernError('NOT_FOUND', `no webhook ${params.namespace}.${params.flowId} with this key`);
      }
      return c.json({ error: reply.error }, reply.status);
    },
  );
}
