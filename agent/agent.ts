/**
 * The agent: a local runtime with its outbox on, the flows the hub assigned
 * (kept across restarts), the hub's commands, and the sync client that ties
 * them to the hub. Standalone, it runs flows from a folder without MQTT.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { builtinRegistry } from '../plugins/builtin.js';
import type { Registry } from '../plugins/registry.js';
import { type Logger, silentLogger } from '../protocol/logger.js';
import type { AppliedFlow, OutboxStatus } from '../protocol/messages.js';
import { Closers } from '../runtime/closers.js';
import { Engine } from '../runtime/engine/engine.js';
import { RuntimeHost } from '../runtime/engine/plugin-host.js';
import type { FlowRecord } from '../runtime/engine/ports.js';
import { Renderer } from '../runtime/expr/index.js';
import { FlowDirectory } from '../runtime/flow-directory.js';
import { secretSource } from '../runtime/secrets.js';
import { TriggerRuntime } from '../runtime/triggers/runtime.js';
import { type AgentOptions, type AgentOptionsInput, compileAgentOptions } from './config.js';
import { type AgentHttp, startAgentHttp } from './http-server.js';
import { loadHubTrust } from './hub-trust.js';
import { type LocalBroker, startLocalBroker } from './local-broker.js';
import { openSqliteStore, type SqliteStore } from './store/sqlite-store.js';
import { SqliteTriggerStateStore } from './store/trigger-state.js';
import { AgentState } from './sync/agent-state.js';
import { AssignedFlows, flowParser } from './sync/assigned-flows.js';
import { CommandHandler } from './sync/commands.js';
import type { ConnectionState } from './sync/connection.js';
import { DesiredState } from './sync/desired-state.js';
import { footprintMeter } from './sync/footprint.js';
import { helloMessage } from './sync/hello.js';
import { HubKeys } from './sync/hub-keys.js';
import { Outbox } from './sync/outbox.js';
import { publishTriggerChanges, statusReport, trackLoad } from './sync/status.js';
import { SyncClient, type SyncStats } from './sync/sync-client.js';
import { InstallDir } from './update/install-dir.js';
import { AgentUpdater } from './update/updater.js';

/** A running agent. */
export interface Agent {
  readonly id: string;
  readonly options: AgentOptions;
  readonly engine: Engine;
  readonly store: SqliteStore;
  readonly outbox: Outbox;
  readonly registry: Registry;
  /** The hub session; undefined when standalone. */
  readonly sync: SyncClient | undefined;
  /** The triggers of the flows it runs. */
  readonly triggers: TriggerRuntime;
  /** The local MQTT broker, when started with one. */
  readonly localBroker: LocalBroker | undefined;
  /** The HTTP listener serving the flows' webhooks, when started with one. */
  readonly http: AgentHttp | undefined;
  /** The hub connection's state; STANDALONE without a hub. */
  connectionState(): ConnectionState | 'STANDALONE';
  /** Sync counters; undefined when standalone. */
  syncStats(): SyncStats | undefined;
  /** The hub public keys this agent trusts now (none before the first signed desired state, unless given). */
  hubKeys(): readonly string[];
  outboxStats(): OutboxStatus;
  /** The flows the agent runs, with the revision and hash the hub gave (standalone: revision, no hash). */
  appliedFlows(): AppliedFlow[];
  flows(): FlowRecord[];
  /** Why a new execution may not start now (outbox full under pause-triggers, decommissioned), or undefined. */
  startRefusal(): string | undefined;
  readonly decommissioned: boolean;
  /**
   * Resolves with the reason when the agent asks to be stopped and started again: a new version of it
   * was swapped in, or one on trial was not confirmed in time (agent/update/). Its supervisor restarts it.
   */
  readonly restartRequested: Promise<string>;
  /** Waits for running executions (up to `closeGraceMs`), ends the hub session, closes the store. */
  close(): Promise<void>;
}

/** Shortest time between two status messages sent because a trigger changed. */
const TRIGGER_STATUS_MS = 1000;

/**
 * Starts an agent: opens its store, restores its flows, resumes unfinished
 * executions, and connects to the hub (or, standalone, loads `flowsDir`).
 *
 * @example
 * const agent = await startAgent({ id: 'gw-01', hubUrl: 'mqtt://hub:1883', token, dataDir: '.tern/agent' });
 * // …
 * await agent.close();
 */
export async function startAgent(input: AgentOptionsInput): Promise<Agent> {
  const options = compileAgentOptions(input);
  const logger = options.logger ?? silentLogger;
  const log = logger.child({ component: 'agent', agentId: options.id });
  const standalone = !options.hubUrl;
  // Read before anything opens, so that an unreadable CA file leaves nothing behind.
  const hubTls = options.tls && loadHubTrust(options.tls);

  // The store, and the flows it runs: assigned by the hub (kept in the store), or a folder's.
  mkdirSync(options.dataDir, { recursive: true });
  const store = openSqliteStore({
    path: join(options.dataDir, 'tern.db'),
    filesDir: join(options.dataDir, 'files'),
    // Standalone there is no one to sync to: the outbox would only fill up.
    outbox: !standalone,
    onWriteError: (err) => log.error({ err: (err as Error).message }, 'local store write failed; will retry'),
  });
  const registry = builtinRegistry();
  const renderer = new Renderer({ limits: options.renderLimits });
  const parse = flowParser(registry, (t) => renderer.check(t));
  const assigned = new AssignedFlows(store.database);
  const directory = new FlowDirectory();
  const state = new AgentState(store.database);
  const desired = new DesiredState({
    state,
    assigned,
    namespaceFiles: store.namespaceFiles,
    parse,
    log,
    // The triggers follow the flows (they exist before any desired state can arrive).
    onFlowsChanged: (next) => void triggers.sync(next),
  });
  if (standalone) {
    for (const file of await directory.load([options.flowsDir!], registry, (t) => renderer.check(t))) {
      if (file.problems.length > 0)
        log.warn({ file: file.file, problems: file.problems }, 'flow file skipped');
    }
  } else {
    for (const { flow, problems } of assigned.load(parse))
      log.warn({ namespace: flow.namespace, flowId: flow.id, problems }, 'assigned flow no longer usable');
  }
  const source = standalone ? directory : assigned;
  const flows = (): FlowRecord[] => source.list();
  const appliedFlows = (): AppliedFlow[] =>
    standalone
      ? directory
          .list()
          .map((r) => ({ namespace: r.flow.namespace, id: r.flow.id, revision: r.revision, hash: '' }))
      : assigned.applied();

  const localBroker = await startLocalBrokerOrClose(options, logger, store);

  // The engine, the outbox that carries its records to the hub, and what may refuse new executions.
  const host = new RuntimeHost({ mqtt: localBroker && { url: localBroker.url } });
  const engine = new Engine({
    store,
    registry,
    flows: source,
    renderer,
    logger,
    agent: { id: options.id, labels: options.labels },
    secrets: secretSource(options.secrets),
    variables: options.variables,
    workRoot: join(options.dataDir, 'work'),
    host,
  });
  const outbox = new Outbox(store, options.outbox, { logger: logger.child({ component: 'outbox' }) });
  const load = trackLoad(engine);
  const footprint = footprintMeter();
  let stopping = false;
  let sync: SyncClient | undefined;
  const startRefusal = (): string | undefined => {
    if (stopping) return `agent ${options.id} is stopping`;
    if (desired.decommissioned) return `agent ${options.id} is decommissioned`;
    if (outbox.full) return 'the outbox is full (pause-triggers): no new execution until the hub catches up';
    return undefined;
  };
  const triggers = new TriggerRuntime({
    engine,
    state: new SqliteTriggerStateStore(store),
    logger: logger.child({ agentId: options.id }),
    refusal: startRefusal,
    queue: options.triggerQueue,
  });
  const commands = new CommandHandler({
    agentId: options.id,
    engine,
    flows: assigned,
    answer: (result) => outbox.appendCommand(result),
    refuseStart: startRefusal,
    refuseCommands: () => (desired.decommissioned ? `agent ${options.id} is decommissioned` : undefined),
    postpone: () => stopping,
    logger,
  });

  const recovered = await engine.recover();
  if (recovered.length > 0)
    log.info({ executions: recovered.map((e) => e.id) }, 'resumed unfinished executions');
  await triggers.sync(flows());

  let http: AgentHttp | undefined;
  if (options.http) {
    try {
      http = await startAgentHttp({
        ...options.http,
        engine,
        flow: (namespace, id) => source.getFlow(namespace, id),
        refusal: startRefusal,
        triggers,
        logger,
      });
    } catch (err) {
      await triggers.stop();
      await host.close();
      await localBroker?.close();
      store.close();
      throw new Error(
        `cannot listen for HTTP on ${options.http.host}:${options.http.port}: ${(err as Error).message}`,
      );
    }
  }

  // The hub session: hello on each connect, status now and then, desired flows and commands in.
  const startedAt = new Date().toISOString();
  const hubKeys = new HubKeys({ state, given: options.hubKey, log: logger.child({ component: 'hub-keys' }) });
  let requestRestart: (reason: string) => void = () => undefined;
  const restartRequested = new Promise<string>((resolve) => {
    requestRestart = resolve;
  });
  const updater =
    options.update && !standalone
      ? new AgentUpdater({
          dir: new InstallDir(options.update.installDir),
          running: options.version,
          agentId: options.id,
          hubApiUrl: options.update.hubApiUrl,
          token: options.token,
          tls: hubTls,
          hubKeys,
          confirmWithinMs: options.update.confirmWithinMs,
          nodePath: process.execPath,
          log: logger.child({ agentId: options.id }),
          restart: (reason) => requestRestart(reason),
          changed: () => sync?.publishStatus(),
        })
      : undefined;
  updater?.start();
  if (!standalone) {
    sync = new SyncClient({
      url: options.hubUrl!,
      tls: hubTls,
      agentId: options.id,
      token: options.token,
      tuning: options.sync,
      outbox,
      logger,
      hello: () =>
        helloMessage({
          agentId: options.id,
          version: options.version,
          labels: options.labels,
          registry,
          assigned,
          outbox,
          generation: () => desired.generation,
          startedAt,
        }),
      status: () => ({
        ...statusReport({ version: options.version, load, outbox, triggers, footprint }),
        ...(updater?.status() && { update: updater.status() }),
      }),
      onDesired: (message) => {
        sync?.publishReported(desired.apply(message));
        // Connected and in sync: a new version of the agent on trial has proven itself.
        updater?.confirm();
        if (updater) updater.want(message.agent);
        else if (message.agent && message.agent.version !== options.version)
          log.warn(
            { version: message.agent.version, running: options.version },
            'the hub asks for another agent version; this agent updates only when run by the launcher (--install-dir)',
          );
        // Start-up ends with the first flows applied: the hub hears how long it took at once.
        if (footprint.ready()) sync?.publishStatus();
      },
      hubKeys,
      onCommand: async (command) => {
        const taken = await commands.handle(command);
        if (taken) await store.flush();
        return taken;
      },
    });
    sync.start();
  }
  const stopTriggerStatus = sync
    ? publishTriggerChanges(triggers, () => sync?.publishStatus(), TRIGGER_STATUS_MS)
    : () => undefined;
  // Records also age while nothing is appended: the age limit needs a clock of its own.
  const maintenance = setInterval(() => outbox.enforce(), options.sync.statusIntervalMs);
  maintenance.unref();
  log.info({ standalone, flows: appliedFlows().length, hub: options.hubUrl }, 'agent started');

  // close(), in order: take no more work, let running work end, then let go of what it used.
  const closeSteps: [string, () => unknown][] = [
    [
      'intake',
      () => {
        stopping = true;
        clearInterval(maintenance);
        updater?.close();
        stopTriggerStatus();
      },
    ],
    ['webhooks', () => http?.close()],
    ['triggers', () => triggers.stop()],
    ['commands', () => commands.idle()],
    [
      'executions',
      async () => {
        if (!(await waitFor(engine.idle(), options.closeGraceMs)))
          log.warn(
            { running: engine.activeCount },
            'executions still running at close; they resume at the next start',
          );
      },
    ],
    ['hub session', () => sync?.close()],
    [
      'plugin host',
      () =>
        host.close((key, err) => log.warn({ resource: key, err: String(err) }, 'shared resource not closed')),
    ],
    ['local broker', () => localBroker?.close()],
    ['store writes', () => store.flush().catch(() => undefined)],
    ['outbox', () => outbox.close()],
    ['load', () => load.stop()],
    ['footprint', () => footprint.stop()],
    ['store', () => store.close()],
    ['log', () => log.info({}, 'agent stopped')],
  ];
  const closers = new Closers(log);
  // Closers runs the newest first: added from the end, they run in the order above.
  for (const [name, step] of closeSteps.toReversed()) closers.add(name, step);

  return {
    id: options.id,
    options,
    engine,
    store,
    outbox,
    registry,
    get sync() {
      return sync;
    },
    triggers,
    localBroker,
    http,
    connectionState: () => sync?.state ?? 'STANDALONE',
    syncStats: () => sync?.stats(),
    hubKeys: () => hubKeys.trusted,
    outboxStats: () => outbox.stats(),
    appliedFlows,
    flows,
    startRefusal,
    get decommissioned() {
      return desired.decommissioned;
    },
    restartRequested,
    close: () => closers.close(),
  };
}

/** Starts the local MQTT broker when asked for one; if it cannot start, closes the store and says why. */
async function startLocalBrokerOrClose(
  options: AgentOptions,
  logger: Logger,
  store: SqliteStore,
): Promise<LocalBroker | undefined> {
  if (!options.localBroker) return undefined;
  try {
    return await startLocalBroker({ ...options.localBroker, logger });
  } catch (err) {
    store.close();
    throw new Error(
      `cannot start the local MQTT broker on ${options.localBroker.host}:${options.localBroker.port}: ${(err as Error).message}`,
    );
  }
}

/** True if `promise` settles within `ms`. */
function waitFor(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
