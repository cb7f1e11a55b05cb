/** Kafka bridge routes: its state and lag, its dead letters, and putting them back in the queue. */
import { Type as T } from '@sinclair/typebox';
import { TernError } from '../../protocol/errors.js';
import type { KafkaBridge } from '../bridge/bridge.js';
import type { RouteTable } from './route.js';
import { ErrorBodySchema, Page, PageQuery } from './schemas.js';
import type { HubServices } from './services.js';

/** What the bridge routes use. */
export type BridgeService = Pick<KafkaBridge, 'status' | 'deadLetters' | 'requeue'>;

const StatusSchema = T.Union([
  T.Object({ enabled: T.Literal(false) }),
  T.Object({
    enabled: T.Literal(true),
    kafka: T.Union(['CONNECTING', 'UP', 'UNAVAILABLE', 'CLOSED'].map((s) => T.Literal(s))),
    lastError: T.Union([T.String(), T.Null()]),
    routes: T.Array(T.Object({ name: T.String(), from: T.String(), topic: T.String() })),
    queued: T.Integer({ description: 'Records waiting for Kafka' }),
    oldestAgeSeconds: T.Number({ description: 'Age of the oldest waiting record' }),
    deadLetters: T.Integer(),
  }),
]);

const DeadLetterSchema = T.Object({
  id: T.Integer(),
  route: T.String(),
  topic: T.String(),
  key: T.Union([T.String(), T.Null()], { description: 'base64' }),
  value: T.Union([T.String(), T.Null()], { description: 'base64' }),
  preview: T.Union([T.String(), T.Null()], { description: 'The value as text, cut at 500 characters' }),
  headers: T.Record(T.String(), T.String()),
  createdAt: T.String({ format: 'date-time' }),
  attempts: T.Integer(),
  error: T.String(),
  failedAt: T.String({ format: 'date-time' }),
});

/** Registers `/bridge` routes. */
export function bridgeRoutes(table: RouteTable, services: HubServices): void {
  const bridge = () => {
    if (!services.bridge)
      throw new TernError('NOT_FOUND', 'this hub has no Kafka bridge (tern hub --kafka-bridge FILE)');
    return services.bridge;
  };

  table.add(
    {
      method: 'get',
      path: '/bridge',
      operationId: 'bridgeStatus',
      tag: 'operations',
      summary: 'The Kafka bridge: state, routes and lag',
      responses: {
        200: { description: 'Its state; `{enabled: false}` without a bridge', schema: StatusSchema },
      },
    },
    async (c) => c.json(services.bridge ? await services.bridge.status() : { enabled: false }),
  );

  table.add(
    {
      method: 'get',
      path: '/bridge/dead-letters',
      operationId: 'listBridgeDeadLetters',
      tag: 'operations',
      summary: 'Records the Kafka bridge gave up on',
      description:
        'Refused by Kafka `maxAttempts` times, or queued longer than `deadLetterAfter`; oldest first.',
      query: T.Object(PageQuery),
      responses: {
        200: { description: 'A page of dead letters', schema: Page(DeadLetterSchema) },
        404: { description: 'No bridge', schema: ErrorBodySchema },
      },
    },
    async (c, { query }) => {
      const page = await bridge().deadLetters(query);
      return c.json({
        ...page,
        items: page.items.map((d) => ({
          ...d,
          key: d.key?.toString('base64') ?? null,
          value: d.value?.toString('base64') ?? null,
          preview: d.value ? d.value.toString('utf8').slice(0, 500) : null,
        })),
      });
    },
  );

  table.add(
    {
      method: 'post',
      path: '/bridge/dead-letters/requeue',
      operationId: 'requeueBridgeDeadLetters',
      tag: 'operations',
      summary: 'Send dead letters again',
      description: 'Puts them back in the queue, in their original order; without `ids`, all of them.',
      body: {
        required: false,
        json: T.Object(
          {
            ids: T.Optional(
              T.Array(T.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), { maxItems: 10_000 }),
            ),
          },
          { additionalProperties: false },
        ),
      },
      responses: {
        200: { description: 'How many were requeued', schema: T.Object({ requeued: T.Integer() }) },
        404: { description: 'No bridge', schema: ErrorBodySchema },
      },
    },
    async (c, { body }) => {
      const ids = body.kind === 'json' ? body.value.ids : undefined;
      return c.json({ requeued: await bridge().requeue(ids) });
    },
  );
}
