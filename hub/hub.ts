/**
 * The hub: PostgreSQL storage (PGlite or a server), the shared engine for
 * `runsOn: hub` flows, the REST API, the embedded MQTT broker, and the fleet
 * that syncs agents through it.
 */
import type { Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { collectDefaultMetrics, Registry as MetricsRegistry } from 'prom-client';
import { builtinRegistry } from '../plugins/builtin.js';
import { type Logger, silentLogger } from '../protocol/logger.js';
import { Closers } from '../runtime/closers.js';
import { Engine } from '../runtime/engine/engine.js';
import { RuntimeHost } from '../runtime/engine/plugin-host.js';
import type { FlowRecord } from '../runtime/engine/ports.js';
import { Renderer } from '../runtime/expr/index.js';
import { TriggerRuntime } from '../runtime/triggers/runtime.js';
import { ensureAdminToken } from './admin-token.js';
import { createApi } from './api/app.js';
import { FlowCheckPool } from './api/flow-check.js';
import { setTriggerDisabled } from './api/flow-triggers.js';
import { type BrokerListener, listenerOfUrl } from './api/info.js';
import { TokenRevocations } from './api/revocations.js';
import type { HubServices } from './api/services.js';
import { KafkaBridge } from './bridge/bridge.js';
import { createAccessPolicy, normaliseSharedPrefix } from './broker/access.js';
import { type Broker, startBroker } from './broker/broker.js';
import { ExternalBrokerAuth } from './broker/external-auth.js';
import { openManagedLogins } from './broker/open-managed-logins.js';
import { noReplicaChanges, PostgresReplicaChanges } from './cluster/changes.js';
import { ExecutionClaims } from './cluster/execution-claims.js';
import { fanOut } from './cluster/fan-out.js';
import { RemoteFollowers } from './cluster/remote-follow.js';
import { EVERY_REPLICA_TRIGGERS, joinReplicas, REPLICA_SHARE_GROUP } from './cluster/replicas.js';
import { compileHubOptions, type HubOptions, type HubOptionsInput } from './config.js';
import { HubEventBus } from './events.js';
import { createHubExecutions, RepositoryFlowSource, runsOnHub } from './executions.js';
import type { AssignableFlow } from './fleet/assignment.js';
import { Fleet, type IngestListener } from './fleet/fleet.js';
import type { FleetServices } from './fleet/types.js';
import { HttpDrain } from './http-drain.js';
import { listenError } from './listen-error.js';
import { RolloutController } from './rollouts/controller.js';
import { rolloutMetrics } from './rollouts/metrics.js';
import type { RolloutServices } from './rollouts/types.js';
import { SecretCipher, secretKey } from './secrets/cipher.js';
import { HubSecrets } from './secrets/hub-secrets.js';
import { HubSigningKeys } from './signing/hub-signing-keys.js';
import { signingControl } from './signing/rotation.js';
import { writeErrorReason } from './store/db-errors.js';
import { openHubStorage } from './store/hub-storage.js';
import type { HubStorage } from './store/types.js';
import type { RecordRefusal } from './store/write-queue.js';
import { type WatchedCertificates, watchCertificates } from './tls/certificates.js';
import { followCertificates, HANDSHAKE_TIMEOUT_MS } from './tls/listener.js';
import { defaultUiDir, uiRoutes } from './ui.js';

export interface Hub {
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:8080 (https:// with TLS). */
  readonly url: string;
  readonly port: number;
  /** The embedded broker's TCP port, or undefined with an external broker. */
  readonly mqttPort: number | undefined;
  /** The embedded broker's MQTT-over-TLS port, when the hub has a certificate. */
  readonly mqttsPort: number | undefined;
  /**
   * The embedded broker's login for the hub's own privileged client (random at
   * each start), for tools running in the hub's process; undefined with an
   * external broker.
   */
  readonly brokerCredentials: { username: string; password: string } | undefined;
  /** The admin token created at this start, to print once; undefined when tokens already existed. */
  readonly adminToken: string | undefined;
  readonly storage: HubStorage;
  readonly engine: Engine;
  readonly fleet: Fleet;
  /** The triggers of the flows the hub runs itself. */
  readonly triggers: TriggerRuntime;
  /** Tells the fleet and the triggers that a flow was saved or deleted other than through the API. */
  flowChanged(namespace: string, id: string): Promise<void>;
  close(): Promise<void>;
}

const HUB_VERSION = '0.1.0';

export async function startHub(input: HubOptionsInput, logger: Logger = silentLogger): Promise<Hub> {
  const options = compileHubOptions(input);
  const log = logger.child({ component: 'hub' });
  const writeHooks = {
    onWriteError: (err: unknown) =>
      log.error({ err: writeErrorReason(err) }, 'storage write failed; it is tried again'),
    onRecordRefused: (refusal: RecordRefusal) =>
      log.error({ ...refusal }, 'the database refused a record; the others are stored'),
  };
  const storage = await openHubStorage(
    options.dbUrl
      ? { url: options.dbUrl, filesDir: join(options.dataDir, 'files'), ...writeHooks }
      : { dataDir: options.dataDir, ...writeHooks },
  );
  // Whatever starts registers how it stops: `close()` runs these newest first, and so does a start that fails.
  const closers = new Closers(log);
  closers.add('storage', () => storage.close());
  try {
    return await startServices(options, storage, closers, log, logger);
  } catch (err) {
    await closers.close();
    throw err;
  }
}

/** Everything after the storage: engine, triggers, API, broker, fleet, bridge; HTTP listens last. */
async function startServices(
  options: HubOptions,
  storage: HubStorage,
  closers: Closers,
  log: Logger,
  logger: Logger,
): Promise<Hub> {
  // Other replicas on the same PostgreSQL hear of what this one changes, and the other way round.
  let resync = (): void => undefined;
  const changes = options.dbUrl
    ? await PostgresReplicaChanges.start({ url: options.dbUrl, logger: log, onResync: () => resync() })
    : noReplicaChanges();
  closers.add('replica changes', () => changes.close());
  const key = options.secretKey ? secretKey(options.secretKey) : undefined;
  const secrets = await HubSecrets.open(storage.secrets, {
    key,
    environment: options.secretEnvironment,
    onChanged: () => changes.publish({ kind: 'secrets' }),
  });
  if (secrets.unreadableCount > 0)
    log.warn(
      { count: secrets.unreadableCount },
      options.secretKey
        ? 'stored secrets cannot be decrypted with this TERN_SECRET_KEY'
        : 'stored secrets cannot be read: TERN_SECRET_KEY is not set',
    );
  const signingKeys = await HubSigningKeys.open({
    repository: storage.signingKeys,
    ...(key && { cipher: new SecretCipher(key) }),
    logger: log,
  });
  const registry = builtinRegistry();
  const renderer = new Renderer({ limits: options.renderLimits });
  // Its worker has the built-in plugins, as `registry` has.
  const flowChecker = new FlowCheckPool(registry, renderer);
  closers.add('flow checker', () => flowChecker.close());
  const source = new RepositoryFlowSource(storage.flows, registry);
  // No default MQTT broker: the embedded one is for agents, and its privileged identity is not for flows.
  const pluginHost = new RuntimeHost();
  closers.add('plugin host', () => pluginHost.close());
  const engine = new Engine({
    store: storage.executions,
    registry,
    flows: source,
    renderer,
    logger,
    secrets,
    workRoot: join(options.dataDir, 'work'),
    host: pluginHost,
    variables: options.variables,
  });
  // With PostgreSQL, other replicas may share the database: schedules and retention run on one of them.
  const { leadership, alone } = await joinReplicas(options, log);
  closers.add('leadership', () => leadership.close());
  // Each replica claims the hub executions it runs; the leader takes over those of a replica gone.
  const claims = options.dbUrl
    ? await ExecutionClaims.start({ url: options.dbUrl, graceMs: options.takeOverGraceMs, logger: log })
    : undefined;
  closers.add('execution claims', () => claims?.close());
  if (claims) engine.on({ execution: (e) => e.agentId === null && claims.follow(e) });
  const triggers = new TriggerRuntime({
    engine,
    state: storage.triggers,
    logger,
    queue: options.triggerQueue,
    holds: (type) => leadership.leader || EVERY_REPLICA_TRIGGERS.has(type),
  });
  leadership.onChange(() => void triggers.reconsider());
  const refreshTriggers = async (namespace: string, id: string) => {
    const row = await storage.flows.get(namespace, id);
    const live = row && !row.deleted && runsOnHub(row.flow);
    await triggers.update(namespace, id, live ? { flow: row.flow, revision: row.revision } : undefined);
  };
  // Errors are logged here: callers (the API after a save) have already answered.
  const flowChanged = async (namespace: string, id: string): Promise<void> => {
    changes.publish({ kind: 'flow', namespace, id });
    await Promise.all([
      rollouts
        .flowSaved(namespace, id)
        .catch((err: unknown) =>
          log.error({ namespace, flowId: id, err: String(err) }, 'rollout update failed'),
        )
        .then(() => fleet.flowChanged(namespace, id))
        .catch((err: unknown) =>
          log.error({ namespace, flowId: id, err: String(err) }, 'fleet update failed'),
        ),
      refreshTriggers(namespace, id).catch((err: unknown) =>
        log.error({ namespace, flowId: id, err: String(err) }, 'trigger update failed'),
      ),
    ]);
  };
  const executions = createHubExecutions({
    engine,
    flows: storage.flows,
    source,
    renderer,
    logger,
    triggers,
  });
  const events = new HubEventBus();
  engine.on({ execution: (data) => events.emit({ type: 'execution', data }) });
  const metrics = new MetricsRegistry();
  collectDefaultMetrics({ register: metrics });
  const bridge = options.bridge
    ? new KafkaBridge({
        settings: options.bridge,
        repository: storage.bridge,
        executions: storage.executions,
        metrics,
        logger,
        sends: () => leadership.leader,
      })
    : undefined;
  if (bridge) engine.on({ execution: (e) => bridge.execution(e), taskRun: (tr, e) => bridge.taskRun(tr, e) });
  closers.add('bridge', () => bridge?.close());
  // Executions still running are resumed at the next start; give short ones a moment to end, bridged.
  closers.add('engine', () => Promise.race([engine.idle(), new Promise((r) => setTimeout(r, 2000).unref())]));

  const adminToken = await ensureAdminToken(storage.tokens, options.adminToken, log);

  // The broker's port and credentials are known only once it runs: the fleet connects after the server starts.
  let broker: Broker | undefined;
  const rollouts = new RolloutController({
    storage,
    logger,
    events,
    republish: (agentIds): Promise<void> => fleet.agentsChanged(agentIds),
    setAgentVersion: (agentId, version): Promise<void> => fleet.setAgentVersion(agentId, version),
    setAgentLabels: async (agentId, labels): Promise<void> => {
      await storage.agents.setLabels(agentId, labels);
      await fleet.agentLabelsChanged(agentId);
    },
    onChange: (rollout) => bridge?.rollout(rollout),
  });
  rolloutMetrics(metrics, () => rollouts.current());
  const fleet = new Fleet({
    storage,
    metrics,
    logger,
    endAgentSessions: (agentId, farewell) => broker?.endAgentSessions(agentId, farewell) ?? 0,
    events,
    // Hub `flow` triggers react to agents' executions too ("when the gateway's upload fails …").
    onExecutionEndedOrPaused: (execution) => pluginHost.executionEndedOrPaused(execution),
    // An agent's trigger.Toggle goes the way of the hub's own (set below, once the API services exist).
    setTriggerDisabled: async (namespace, flowId, triggerId, disabled) => {
      if (!pluginHost.triggers) throw new Error('the hub is not ready to switch triggers');
      await pluginHost.triggers.setDisabled(namespace, flowId, triggerId, disabled);
    },
    // A rollout decides which revision of its flow each agent runs.
    selectRevision: (agentId, flow): AssignableFlow | null => rollouts.select(agentId, flow),
    signer: signingKeys,
  });
  const signing = signingControl({
    keys: signingKeys,
    announce: () => changes.publish({ kind: 'signingKeys' }),
    republish: () => fleet.signingKeysChanged(),
  });
  if (bridge) fleet.onIngest({ execution: (e) => bridge.execution(e), taskRun: (tr) => bridge.taskRun(tr) });
  const managed = options.brokerAdminUrl
    ? openManagedLogins({
        adminUrl: options.brokerAdminUrl,
        hubUrl: options.brokerUrl!,
        ...(options.bridgeBrokerUrl && { bridgeUrl: options.bridgeBrokerUrl }),
        sharedPrefix: normaliseSharedPrefix(options.sharedDataPrefix),
        storage,
        ...(key && { cipher: new SecretCipher(key) }),
        metrics,
        closers,
        logger: log,
      })
    : undefined;
  const brokerLogins = managed?.logins;
  const remote = new RemoteFollowers(storage.executions, log);
  const revocations = new TokenRevocations((id) => changes.publish({ kind: 'token', id }));
  const fan = fanOut({
    revocations,
    changes,
    storage,
    secrets,
    signingKeys,
    events,
    remote,
    logger: log,
    flowChanged: async (namespace, id) => {
      await fleet.flowChanged(namespace, id, false);
      await refreshTriggers(namespace, id);
    },
  });
  if (options.dbUrl) {
    const changed: IngestListener = {
      execution: (e) => fan.executionsChanged(e.id),
      taskRun: (tr) => fan.executionsChanged(tr.executionId),
      log: (line) => fan.executionsChanged(line.executionId),
    };
    engine.on(changed);
    fleet.onIngest(changed);
  }
  resync = () => {
    void storage.reloadKv().catch(() => undefined);
    void secrets.reload().catch(() => undefined);
    void signingKeys.reload().catch(() => undefined);
    void storage.namespaceFiles.load().catch(() => undefined);
    void hubFlows(storage).then(
      (flows) => triggers.sync(flows),
      () => undefined,
    );
  };
  const services: HubServices & FleetServices & RolloutServices = {
    storage,
    registry,
    renderer,
    executions: {
      ...executions,
      // Agent executions change as their records are ingested, hub ones as the engine runs them.
      follow(id, listener) {
        const offEngine = executions.follow(id, listener);
        const offFleet = fleet.follow(id, listener);
        // Changes another replica stored, whether it runs the execution or ingests the agent's records.
        const offRemote = remote.follow(id, listener);
        return () => {
          offEngine();
          offFleet();
          offRemote();
        };
      },
    },
    metrics,
    bodyLimitBytes: options.bodyLimitBytes,
    events,
    onFlowChanged: (namespace, id, hold) => {
      changes.publish({ kind: 'flow', namespace, id });
      events.emit({ type: 'flow', data: { namespace, id } });
      // The rollout first: a revision saved with `rollout:` (or held) must not reach every agent at once.
      void rollouts
        .flowSaved(namespace, id, hold)
        .catch((err: unknown) =>
          log.error({ namespace, flowId: id, err: String(err) }, 'rollout update failed'),
        )
        .then(() => fleet.flowChanged(namespace, id))
        .catch((err: unknown) =>
          log.error({ namespace, flowId: id, err: String(err) }, 'fleet update failed'),
        );
      void refreshTriggers(namespace, id).then(
        // Once more when the hub holds the new revision's triggers: their state on the flow changed too.
        () => events.emit({ type: 'flow', data: { namespace, id } }),
        (err: unknown) => log.error({ namespace, flowId: id, err: String(err) }, 'trigger update failed'),
      );
    },
    onNamespaceFilesChanged: (namespace) => {
      void fleet
        .namespaceFilesChanged(namespace)
        .catch((err: unknown) => log.error({ namespace, err: String(err) }, 'fleet update failed'));
    },
    triggerStatuses: () => triggers.status(),
    brokerConnected: () => fleet.connected,
    // Read at each request: the broker and the HTTP server start after the API is built.
    brokerListeners: (): BrokerListener[] => {
      if (!broker) return options.brokerUrl ? [listenerOfUrl(options.brokerUrl)] : [];
      const tlsPort = broker.tlsPort;
      return [
        { scheme: 'mqtt', host: options.mqttHost, port: broker.port },
        ...(tlsPort !== undefined
          ? [{ scheme: 'mqtts' as const, host: options.mqttsHost, port: tlsPort }]
          : []),
        { scheme: certificates ? 'wss' : 'ws', host: options.host, port, path: '/mqtt' },
      ];
    },
    fleet,
    brokerLogins,
    // An external broker (EMQX, VerneMQ) asks here what the embedded one decides itself.
    ...(options.brokerAuthSecret && {
      brokerAuth: {
        secret: options.brokerAuthSecret,
        auth: new ExternalBrokerAuth(
          storage.agents,
          createAccessPolicy(normaliseSharedPrefix(options.sharedDataPrefix)),
        ),
      },
    }),
    rollouts,
    signing,
    secrets,
    bridge,
    flowChecker,
    revocations,
  };
  // trigger.Toggle on the hub edits a stored flow as `PUT /flows/{namespace}/{id}/triggers/{trigger}` does.
  pluginHost.triggers = {
    setDisabled: async (namespace, flowId, triggerId, disabled) => {
      await setTriggerDisabled(services, namespace, flowId, triggerId, disabled);
    },
  };
  const app = createApi(services, { logger: log, version: HUB_VERSION, https: options.tls !== undefined });
  uiRoutes(app, defaultUiDir());
  const certificates = options.tls && (await watchCertificates(options.tls, logger));
  closers.add('certificates', () => certificates?.close());
  // Made now for the broker's WebSocket listener; it listens last, once the hub is ready to answer.
  const drain = new HttpDrain();
  const server = createHttpServer(drain.wrap(app.fetch), certificates);
  let port = options.port;

  if (!options.brokerUrl) {
    if (certificates && !isLoopback(options.mqttHost))
      log.warn(
        { mqttHost: options.mqttHost, mqttPort: options.mqttPort },
        'plain MQTT is reachable from the network: tokens of agents that use it cross it in clear',
      );
    broker = await startBroker({
      host: options.mqttHost,
      port: options.mqttPort,
      tls: certificates && { port: options.mqttsPort, host: options.mqttsHost, certificates },
      sharedPrefix: options.sharedDataPrefix,
      limits: options.mqttLimits,
      metrics,
      authenticateAgent: (id, token) => storage.agents.verifyCredentials(id, token),
      logger,
    });
    closers.add('broker', () => broker?.close());
    broker.attachWebSocket(server, '/mqtt');
  }
  closers.add('http', () => closeHttpServer(server));
  // Executions of agents are the agents' to resume: the hub only stores their records. Those of the hub
  // are resumed by a replica that starts alone: another replica running may be running them.
  if (alone) {
    const resumed = await engine.recover((e) => e.agentId === null);
    for (const e of resumed) claims?.follow(e);
    if (resumed.length > 0) log.info({ count: resumed.length }, 'resumed unfinished executions');
  }
  if (claims) {
    const takeOver = async () => {
      if (!leadership.leader) return;
      const ids = await claims.takeOver();
      if (ids.size === 0) return;
      const resumed = await engine.recover((e) => ids.has(e.id));
      log.info({ count: resumed.length }, 'took over the executions of a replica gone');
    };
    const sweep = setInterval(
      () => void takeOver().catch((err: unknown) => log.error({ err: String(err) }, 'take-over failed')),
      options.leaderCheckMs,
    );
    sweep.unref();
    closers.add('take-over', () => clearInterval(sweep));
  }
  // Triggers run before agents' records come in, so that `flow` triggers see them end.
  closers.add('triggers', () => triggers.stop());
  await triggers.sync(await hubFlows(storage));
  const brokerConnection = broker
    ? { url: `mqtt://${loopbackFor(options.mqttHost)}:${broker.port}`, ...broker.hubCredentials, alone }
    : {
        url: options.brokerUrl!,
        alone,
        // Replicas on one PostgreSQL database take each agent message once, from one shared subscription.
        ...(options.dbUrl && { shareGroup: REPLICA_SHARE_GROUP }),
      };
  closers.add('fleet', () => fleet.close());
  closers.add('rollouts', () => rollouts.close());
  await rollouts.start();
  // The hub's own login may be one the first reconcile creates.
  await managed?.ready;
  await fleet.start(brokerConnection);
  if (bridge) {
    // Its own login when given: a second client on the fleet's login would push the fleet's session out.
    await bridge.attachMqtt(
      options.bridgeBrokerUrl ? { ...brokerConnection, url: options.bridgeBrokerUrl } : brokerConnection,
    );
    bridge.start();
  }

  let retention: NodeJS.Timeout | undefined;
  if (options.retentionDays !== undefined) {
    const days = options.retentionDays;
    const purge = () =>
      leadership.leader &&
      storage.purge(days).then(
        (n) => n > 0 && log.info({ purged: n, days }, 'purged old executions'),
        (err: unknown) => log.error({ err: String(err) }, 'retention purge failed'),
      );
    retention = setInterval(purge, 60 * 60 * 1000);
    retention.unref();
    closers.add('retention', () => clearInterval(retention));
    void purge();
    // A replica that takes over from a leader purges at once, as a leader does at its start.
    leadership.onChange((leader) => leader && void purge());
  }
  port = await listenHttp(server, options);
  // Closed first: requests under way are answered while everything behind the API still runs.
  closers.add('http requests', () => drain.drain(server));

  const host = loopbackFor(options.host);
  log.info(
    {
      port,
      https: certificates !== undefined,
      mqttPort: broker?.port,
      mqttsPort: broker?.tlsPort,
      db: options.dbUrl ? 'postgres' : 'pglite',
    },
    'hub started',
  );
  return {
    url: `${certificates ? 'https' : 'http'}://${host}:${port}`,
    port,
    mqttPort: broker?.port,
    mqttsPort: broker?.tlsPort,
    brokerCredentials: broker?.hubCredentials,
    adminToken,
    storage,
    engine,
    fleet,
    triggers,
    flowChanged,
    close: () => closers.close(),
  };
}

/** Every live flow the hub runs itself, latest revisions. */
async function hubFlows(storage: HubStorage): Promise<FlowRecord[]> {
  const out: FlowRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await storage.flows.list({ limit: 500, cursor });
    for (const row of page.items)
      if (!row.deleted && runsOnHub(row.flow)) out.push({ flow: row.flow, revision: row.revision });
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** The API and UI over HTTP, or HTTPS on `certificates` (following their renewals); not listening yet. */
function createHttpServer(
  fetch: Parameters<typeof createAdaptorServer>[0]['fetch'],
  certificates: WatchedCertificates | undefined,
): Server {
  if (!certificates) return createAdaptorServer({ fetch }) as Server;
  const server = createAdaptorServer({
    fetch,
    createServer: createHttpsServer,
    serverOptions: { ...certificates.current(), handshakeTimeout: HANDSHAKE_TIMEOUT_MS },
  });
  followCertificates(server as HttpsServer, certificates);
  return server as Server;
}

/** Listens on `options.port` (0: any free port); resolves with the port, or rejects with one clear line. */
function listenHttp(server: Server, options: { port: number; host: string }): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const failed = (err: Error) => reject(listenError(err, 'HTTP', options, '--port'));
    server.once('error', failed);
    server.listen(options.port, options.host, () => {
      server.off('error', failed);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting, ends open connections (event streams included), and waits until it is closed. */
async function closeHttpServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) =>
    server.listening ? server.close(() => resolve()) : resolve(),
  );
  server.closeAllConnections();
  await closed;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** The address to reach a listener bound to `host` from this process: loopback for a wildcard bind. */
function loopbackFor(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}
