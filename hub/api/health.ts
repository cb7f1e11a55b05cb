/** Health route: answers without a token, and says 503 when the database does not answer. */
import { Type as T } from '@sinclair/typebox';
import type { RouteTable } from './route.js';
import type { HubServices } from './services.js';

/** How long the database may take to answer a trivial query before the hub reports itself unavailable. */
const DATABASE_TIMEOUT_MS = 2000;

const Health = T.Object({
  status: T.Union([T.Literal('ok'), T.Literal('unavailable')]),
  database: T.Union([T.Literal('ok'), T.Literal('unavailable')]),
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

/** Registers `/healthz`. */
export function healthRoutes(table: RouteTable, services: HubServices): void {
  table.add(
    {
      method: 'get',
      path: '/healthz',
      operationId: 'health',
      tag: 'operations',
      summary: 'Liveness and database health',
      description: 'Public (no token), for load balancers and probes.',
      auth: false,
      responses: {
        200: { description: 'The hub and its database answer', schema: Health },
        503: { description: 'The database does not answer', schema: Health },
      },
    },
    async (c) => {
      const up = await databaseAnswers(services);
      return up
        ? c.json({ status: 'ok', database: 'ok' })
        : c.json({ status: 'unavailable', database: 'unavailable' }, 503);
    },
  );
}
