/** `GET /stats/executions`: executions over time by state, for dashboards. */
import { Type as T } from '@sinclair/typebox';
import { TernError } from '../../protocol/errors.js';
import { STATES, type State } from '../../protocol/states.js';
import type { StatsInterval } from '../store/types.js';
import type { RouteTable } from './route.js';
import { StatsSchema } from './schemas.js';
import type { HubServices } from './services.js';

const INTERVAL_MS: Record<StatsInterval, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
/** Counts of a bucket before its executions are added: every state, at 0. */
const NO_COUNTS = Object.fromEntries(STATES.map((state) => [state, 0])) as Record<State, number>;
/** More buckets than a chart can show is a mistake in the request. */
const MAX_BUCKETS = 2000;

/** Registers the statistics routes. */
export function statsRoutes(table: RouteTable, services: HubServices): void {
  table.add(
    {
      method: 'get',
      path: '/stats/executions',
      operationId: 'executionStats',
      tag: 'executions',
      summary: 'Executions over time by state',
      description:
        'Executions counted by the UTC `interval` bucket of their start date and by their current state (every state named, 0 included). Defaults: the last 24 hours, by hour.',
      query: T.Object({
        namespace: T.Optional(T.String({ description: 'Namespace, sub-namespaces included' })),
        flowId: T.Optional(T.String()),
        agent: T.Optional(T.String({ description: "Agent id, or 'hub'" })),
        from: T.Optional(T.String({ format: 'date-time', description: 'Started at or after' })),
        to: T.Optional(T.String({ format: 'date-time', description: 'Started before (default: now)' })),
        interval: T.Optional(
          T.Union([T.Literal('minute'), T.Literal('hour'), T.Literal('day')], { default: 'hour' }),
        ),
      }),
      responses: { 200: { description: 'The counts', schema: StatsSchema } },
    },
    async (c, { query }) => {
      const interval = query.interval ?? 'hour';
      const to = query.to ? new Date(query.to) : new Date();
      const from = query.from ? new Date(query.from) : new Date(to.getTime() - 86_400_000);
      if (from >= to) throw new TernError('BAD_REQUEST', 'from must be before to');
      if ((to.getTime() - from.getTime()) / INTERVAL_MS[interval] > MAX_BUCKETS)
        throw new TernError('BAD_REQUEST', `more than ${MAX_BUCKETS} buckets: choose a wider interval`);
      const range = { from: from.toISOString(), to: to.toISOString() };
      const buckets = await services.storage.executions.stats({
        ...range,
        interval,
        ...(query.namespace !== undefined && { namespace: query.namespace }),
        ...(query.flowId !== undefined && { flowId: query.flowId }),
        ...(query.agent !== undefined && { agent: query.agent }),
      });
      // Every state is named in each bucket, 0 included: the documented shape, and no guessing for charts.
      const filled = buckets.map((b) => ({ ...b, counts: { ...NO_COUNTS, ...b.counts } }));
      return c.json({ ...range, interval, buckets: filled });
    },
  );
}
