/** Health route: answers without a token; 503 when the database or the hub's MQTT broker connection is down. */
import { Type as T } from '@sinclair/typebox';
import type { RouteTable } from './route.js';
import type { HubServices } from './services.js';

/** How long the database may take to answer a trivial query before the hub reports itself unavailable. */
const DATABASE_TIMEOUT_MS = 2000;

const Part = T.Union([T.Literal('ok'), T.Literal('unavailable')]);

const Health = T.Object({
  status: Part,
  database: Part,
  broker: T.Optional(
    T.Union([T.Literal('ok'), T.Literal('unavailable')], {
      description: "The hub's own connection to its MQTT broker (agents are reached through it)",
    }),
  ),
});

async function databaseAnswers(services: HubServices): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), DATABASE_TIMEOUT_MS);
  });
  try {
    // Counting tokens is the cheapest query the storage contract offers.
    const query = services.storage.tokens.count().then(
      () => true,
      () => false,
    );
    return await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const state = (up: boolean) => (up ? ('ok' as const) : ('unavailable' as const));

/** Registers `/healthz`. */
export function healthRoutes(table: RouteTable, services: HubServices): void {
  table.add(
    {
      method: 'get',
      path: '/healthz',
      operationId: 'health',
      tag: 'operations',
      summary: 'Readiness: the database and the MQTT broker connection',
      description:
        'Public (no token), for load balancers and probes. 503 while the database does not answer or the ' +
        "hub's connection to its MQTT broker is down (it reconnects by itself); `broker` is absent where " +
        'the hub has no broker connection.',
      auth: false,
      responses: {
        200: { description: 'The hub, its database and its broker connection are up', schema: Health },
        503: {
          description: 'The database does not answer, or the broker connection is down',
          schema: Health,
        },
      },
    },
    async (c) => {
      const database = await databaseAnswers(services);
      const broker = services.brokerConnected?.();
      const up = database && broker !== false;
      const body = {
        status: state(up),
        database: state(database),
        ...(broker === undefined ? {} : { broker: state(broker) }),
      };
      return c.json(body, up ? 200 : 503);
    },
  );
}
