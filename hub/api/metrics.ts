/** Prometheus metrics: HTTP request counters and durations by route and status, and the `/metrics` route. */
import { Type as T } from '@sinclair/typebox';
import type { MiddlewareHandler } from 'hono';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { ApiEnv, RouteTable } from './route.js';
import type { HubServices } from './services.js';

const REQUESTS = 'tern_http_requests_total';
const DURATION = 'tern_http_request_duration_seconds';
const LABELS = ['method', 'route', 'status'] as const;

/** One metric per name per registry: an API built twice on the same registry shares its metrics. */
function counter(registry: Registry): Counter<(typeof LABELS)[number]> {
  const existing = registry.getSingleMetric(REQUESTS);
  if (existing) return existing as Counter<(typeof LABELS)[number]>;
  return new Counter({
    name: REQUESTS,
    help: 'HTTP requests answered, by route and status',
    labelNames: LABELS,
    registers: [registry],
  });
}

function histogram(registry: Registry): Histogram<(typeof LABELS)[number]> {
  const existing = registry.getSingleMetric(DURATION);
  if (existing) return existing as Histogram<(typeof LABELS)[number]>;
  return new Histogram({
    name: DURATION,
    help: 'Time to answer HTTP requests (to the first byte for streams), by route and status',
    labelNames: LABELS,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
}

/**
 * Counts and times every request. The route label is the matched path
 * template (`/api/v1/flows/:namespace/:id`), never the raw path, so label
 * cardinality stays bounded; unknown paths count as `unmatched`.
 */
export function httpMetrics(registry: Registry): MiddlewareHandler<ApiEnv> {
  const requests = counter(registry);
  const duration = histogram(registry);
  return async (c, next) => {
    const start = performance.now();
    try {
      await next();
    } finally {
      const labels = {
        method: c.req.method,
        route: c.get('route') ?? 'unmatched',
        status: String(c.res.status),
      };
      requests.inc(labels);
      duration.observe(labels, (performance.now() - start) / 1000);
    }
  };
}

/** Registers `/metrics` (Prometheus text; scrape it with a bearer token). */
export function metricsRoutes(table: RouteTable, services: HubServices): void {
  table.add(
    {
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      tag: 'operations',
      summary: 'Prometheus metrics',
      description:
        'Prometheus text exposition. Needs a token like every API route: set `authorization.credentials` in the scrape config.',
      responses: {
        200: { description: 'The metrics', schema: T.String(), mediaType: 'text/plain; version=0.0.4' },
      },
    },
    async (c) =>
      c.body(await services.metrics.metrics(), 200, { 'Content-Type': services.metrics.contentType }),
  );
}
