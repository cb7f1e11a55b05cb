/** The hub's REST API: every route under `/api/v1`, its OpenAPI document, and the interactive docs. */
import { Type as T } from '@sinclair/typebox';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { pino } from 'pino';
import { TernError } from '../../protocol/errors.js';
import type { Logger } from '../../protocol/logger.js';
import { AGENT_VERSION_UPLOAD_PATH, agentVersionRoutes } from './agent-versions.js';
import { agentRoutes } from './agents.js';
import { bearerAuth } from './auth.js';
import { bridgeRoutes } from './bridge.js';
import { brokerAuthRoutes } from './broker-auth.js';
import { docsRoutes } from './docs.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { eventRoutes } from './events.js';
import { executionRoutes } from './executions.js';
import { flowRoutes } from './flows.js';
import { followRoutes } from './follow.js';
import { healthRoutes } from './health.js';
import { infoRoutes } from './info.js';
import { httpMetrics, metricsRoutes } from './metrics.js';
import { namespaceFileRoutes } from './namespace-files.js';
import { openApiDocument } from './openapi.js';
import { pluginRoutes } from './plugins.js';
import { TokenRevocations } from './revocations.js';
import { rolloutRoutes } from './rollouts.js';
import { type ApiEnv, RouteTable } from './route.js';
import { secretRoutes } from './secrets.js';
import { securityHeaders } from './security-headers.js';
import { DEFAULT_AGENT_BUNDLE_LIMIT_BYTES, type HubServices } from './services.js';
import { signingKeyRoutes } from './signing-keys.js';
import { statsRoutes } from './stats.js';
import { tokenRoutes } from './tokens.js';
import { webhookRoutes } from './webhooks.js';

export const API_BASE = '/api/v1';
export const DOCS_PATH = '/api/docs';

export interface ApiOptions {
  /** Where unexpected errors are logged (with their stack; clients never see it). Defaults to pino on stdout. */
  logger?: Logger;
  /** Heartbeat interval of server-sent event streams. Defaults to 15 s. */
  heartbeatMs?: number;
  /** Version shown in the OpenAPI document. */
  version?: string;
  /** Whether the API is served over HTTPS: only then does it send HSTS. Defaults to false. */
  https?: boolean;
}

const DEFAULTS = { heartbeatMs: 15_000, version: '0.1.0', https: false } satisfies Omit<ApiOptions, 'logger'>;

/**
 * Builds the API on the hub's services. Every route needs a bearer token
 * except `/api/v1/healthz`, webhooks, `/api/v1/openapi.json` and the docs.
 *
 * @example
 * const app = createApi(services);
 * serve({ fetch: app.fetch, port: 8080 });
 */
export function createApi(services: HubServices, options: ApiOptions = {}): Hono<ApiEnv> {
  const { heartbeatMs, version, https } = { ...DEFAULTS, ...options };
  const log = (options.logger ?? (pino() as unknown as Logger)).child({ component: 'api' });
  const app = new Hono<ApiEnv>();
  // First, so that errors, 404s and the UI the hub adds later get the headers too.
  app.use('*', securityHeaders({ https, apiPrefix: API_BASE, docsPath: DOCS_PATH }));
  app.use('*', httpMetrics(services.metrics));
  const limit = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: (c) => {
        // The rest of the body is never read: the connection cannot carry another request.
        c.header('Connection', 'close');
        throw new TernError('PAYLOAD_TOO_LARGE', `the request body exceeds ${maxSize} bytes`);
      },
    });
  const requests = limit(services.bodyLimitBytes);
  // Agent bundles are megabytes: their upload has a limit of its own.
  const bundles = limit(services.agentBundleLimitBytes ?? DEFAULT_AGENT_BUNDLE_LIMIT_BYTES);
  app.use('/api/*', (c, next) => (AGENT_VERSION_UPLOAD_PATH.test(c.req.path) ? bundles : requests)(c, next));

  const revocations = services.revocations ?? new TokenRevocations();
  const table = new RouteTable(app, API_BASE, bearerAuth(services.storage.tokens, revocations));
  healthRoutes(table, services);
  infoRoutes(table, services, version);
  flowRoutes(table, services);
  webhookRoutes(table, services);
  followRoutes(table, services, { heartbeatMs });
  eventRoutes(table, services, { heartbeatMs });
  statsRoutes(table, services);
  executionRoutes(table, services);
  agentRoutes(table, services);
  agentVersionRoutes(table, services);
  brokerAuthRoutes(table, services);
  rolloutRoutes(table, services);
  tokenRoutes(table, services, revocations);
  secretRoutes(table, services);
  signingKeyRoutes(table, services);
  namespaceFileRoutes(table, services);
  bridgeRoutes(table, services);
  pluginRoutes(table, services);
  metricsRoutes(table, services);

  let document: Record<string, unknown> | undefined;
  table.add(
    {
      method: 'get',
      path: '/openapi.json',
      operationId: 'openapi',
      tag: 'operations',
      summary: 'This OpenAPI document',
      description: `Public, like the interactive docs at ${DOCS_PATH}.`,
      auth: false,
      responses: { 200: { description: 'OpenAPI 3.1', schema: T.Record(T.String(), T.Unknown()) } },
    },
    (c) => {
      document ??= openApiDocument(table.routes, API_BASE, {
        title: 'Tern hub API',
        version,
        description: `Flows, executions, agents and tokens of a Tern hub. Authenticate with \`Authorization: Bearer <token>\`. Interactive docs: ${DOCS_PATH}.`,
      });
      return c.json(document);
    },
  );
  docsRoutes(app, DOCS_PATH, `${API_BASE}/openapi.json`);

  app.onError(errorHandler(log));
  app.notFound(notFoundHandler);
  return app;
}
