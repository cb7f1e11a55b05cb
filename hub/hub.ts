/**
 * The hub: PostgreSQL storage (PGlite or a server), the shared engine for
 * `runsOn: hub` flows, the REST API, the embedded MQTT broker, and the fleet
 * that syncs agents through it.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { collectDefaultMetrics, Registry as MetricsRegistry } from 'prom-client';
import { Engine } from '../agent/engine/engine.js';
import type { Logger } from '../agent/engine/ports.js';
import { Renderer } from '../agent/expr/index.js';
import { builtinRegistry } from '../agent/local-runtime.js';
import { createApi } from './api/app.js';
import type { HubServices } from './api/services.js';
import { type Broker, startBroker } from './broker/broker.js';
import { compileHubOptions, type HubOptionsInput } from './config.js';
import { createHubExecutions, RepositoryFlowSource } from './executions.js';
import { Fleet } from './fleet/fleet.js';
import type { FleetServices } from './fleet/types.js';
import { openHubStorage } from './store/hub-storage.js';
import type { HubStorage } from './store/types.js';

export interface Hub {
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly port: number;
  /** The embedded broker's TCP port, or undefined with an external broker. */
  readonly mqttPort: number | undefined;
  /** The admin token created at this start, to print once; undefined when tokens already existed. */
  readonly adminToken: string | undefined;
  readonly storage: HubStorage;
  readonly engine: Engine;
  readonly fleet: Fleet;
  close(): Promise<void>;
}

const HUB_VERSION = '0.1.0';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

export async function startHub(input: HubOptionsInput, logger: Logger = silent): Promise<Hub> {
  const options = compileHubOptions(input);
  const log = logger.child({ component: 'hub' });
  const onWriteError = (err: unknown) => log.error({ err: String(err) }, 'storage write failed; will retry');
  const storage = await openHubStorage(
    options.dbUrl
      ? { url: options.dbUrl, filesDir: join(options.dataDir, 'files'), onWriteError }
      : { dataDir: options.dataDir, onWriteError },
  );
  const registry = builtinRegistry();
  const renderer = new Renderer();
  const source = new RepositoryFlowSource(storage.flows, registry);
  const engine = new Engine({
    store: storage.executions,
    registry,
    flows: source,
    renderer,
    logger,
    workRoot: join(options.dataDir, 'work'),
  });
  const executions = createHubExecutions({ engine, flows: storage.flows, source, renderer });
  const metrics = new MetricsRegistry();
  collectDefaultMetrics({ register: metrics });

  let adminToken: string | undefined;
  if ((await storage.tokens.count()) === 0) {
    adminToken = (await storage.tokens.create('admin', options.adminToken)).token;
  } else if (options.adminToken && !(await storage.tokens.verify(options.adminToken))) {
    await storage.tokens.create('admin (TERN_ADMIN_TOKEN)', options.adminToken);
  }

  // The broker's port and credentials are known only once it runs: the fleet connects after the server starts.
  let broker: Broker | undefined;
  const fleet = new Fleet({
    storage,
    metrics,
    logger,
    disconnectAgent: (agentId) => broker?.disconnectAgent(agentId) ?? 0,
  });
  const services: HubServices & FleetServices = {
    storage,
    registry,
    renderer,
    executions: {
      ...executions,
      // Agent executions change as their records are ingested, hub ones as the engine runs them.
      follow(id, listener) {
        const offEngine = executions.follow(id, listener);
        const offFleet = fleet.follow(id, listener);
        return () => {
          offEngine();
          offFleet();
        };
      },
    },
    metrics,
    bodyLimitBytes: options.bodyLimitBytes,
    onFlowChanged: (namespace, id) =>
      void fleet
        .flowChanged(namespace, id)
        .catch((err: unknown) =>
          log.error({ namespace, flowId: id, err: String(err) }, 'fleet update failed'),
        ),
    fleet,
  };
  const app = createApi(services, { logger: log, version: HUB_VERSION });
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: options.port, hostname: options.host }, () =>
      resolve(s as Server),
    );
  });
  const port = (server.address() as AddressInfo).port;

  if (!options.brokerUrl) {
    broker = await startBroker({
      host: options.mqttHost,
      port: options.mqttPort,
      sharedPrefix: options.sharedDataPrefix,
      authenticateAgent: (id, token) => storage.agents.verifyCredentials(id, token),
      logger,
    });
    broker.attachWebSocket(server, '/mqtt');
  }
  await fleet.start(
    broker
      ? { url: `mqtt://${loopbackFor(options.mqttHost)}:${broker.port}`, ...broker.hubCredentials }
      : { url: options.brokerUrl! },
  );

  // Executions of agents are the agents' to resume: the hub only stores their records.
  const resumed = await engine.recover((e) => e.agentId === null);
  if (resumed.length > 0) log.info({ count: resumed.length }, 'resumed unfinished executions');

  let retention: NodeJS.Timeout | undefined;
  if (options.retentionDays !== undefined) {
    const days = options.retentionDays;
    const purge = () =>
      storage.purge(days).then(
        (n) => n > 0 && log.info({ purged: n, days }, 'purged old executions'),
        (err: unknown) => log.error({ err: String(err) }, 'retention purge failed'),
      );
    retention = setInterval(purge, 60 * 60 * 1000);
    retention.unref();
    void purge();
  }

  const host = loopbackFor(options.host);
  log.info({ port, mqttPort: broker?.port, db: options.dbUrl ? 'postgres' : 'pglite' }, 'hub started');
  return {
    url: `http://${host}:${port}`,
    port,
    mqttPort: broker?.port,
    adminToken,
    storage,
    engine,
    fleet,
    async close() {
      if (retention) clearInterval(retention);
      await fleet.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await broker?.close();
      // Executions still running are resumed at the next start; give short ones a moment to end.
      await Promise.race([engine.idle(), new Promise((r) => setTimeout(r, 2000).unref())]);
      await storage.close();
    },
  };
}

/** The address to reach a listener bound to `host` from this process: loopback for a wildcard bind. */
function loopbackFor(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}
