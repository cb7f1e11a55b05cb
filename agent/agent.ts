/**
 * The agent: a local runtime with its outbox on, the flows the hub assigned
 * (kept across restarts), the hub's commands, and the sync client that ties
 * them to the hub. Standalone, it runs flows from a folder without MQTT.
 */
import { builtinCatalog } from '../plugins/catalog.js';
import { createLazyRegistry, type Registry } from '../plugins/registry.js';
import { silentLogger } from '../protocol/logger.js';
import type { AppliedFlow, OutboxStatus } from '../protocol/messages.js';
import type { Engine } from '../runtime/engine/engine.js';
import type { FlowRecord } from '../runtime/engine/ports.js';
import { Renderer } from '../runtime/expr/index.js';
import { namedTypes } from '../runtime/flow-types.js';
import { TriggerRuntime } from '../runtime/triggers/runtime.js';
import { agentClosers } from './agent-close.js';
import { loadAgentFlows } from './agent-flows.js';
import { openAgentStore, openEngine, startHttpOrClose, startLocalBrokerOrClose } from './agent-open.js';
import { type AgentOptions, type AgentOptionsInput, compileAgentOptions } from './config.js';
import type { AgentHttp } from './http-server.js';
import { loadHubTrust } from './hub-trust.js';
import { Intake } from './intake.js';
import type { LocalBroker } from './local-broker.js';
import type { SqliteStore } from './store/sqlite-store.js';
import { SqliteTriggerStateStore } from './store/trigger-state.js';
import { AgentState } from './sync/agent-state.js';
import { AssignedFlows, flowParser } from './sync/assigned-flows.js';
import { CommandHandler } from './sync/commands.js';
import type { ConnectionState } from './sync/connection.js';
import { DesiredState } from './sync/desired-state.js';
import { footprintMeter } from './sync/footprint.js';
import { HubKeys } from './sync/hub-keys.js';
import { startHubSession } from './sync/hub-session.js';
import { Outbox } from './sync/outbox.js';
import { publishTriggerChanges, trackLoad } from './sync/status.js';
import type { SyncClient, SyncStats } from './sync/sync-client.js';
import { TriggerToggles } from './trigger-toggles.js';
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
  const store = openAgentStore(options, standalone, log);
  // Connected, the agent loads a plugin's module only once an assigned flow uses its type (a device keeps
  // in memory what its flows need); standalone, the flows of its folder may change at any time.
  const registry = standalone
    ? (await import('../plugins/builtin.js')).builtinRegistry()
    : createLazyRegistry(builtinCatalog);
  const renderer = new Renderer({ limits: options.renderLimits });
  const checkExpression = (t: string) => renderer.check(t);
  const parse = flowParser(registry, checkExpression);
  /** Loads the plugin modules of the types `sources` name; one that fails leaves its flows refused as using an unknown type. */
  const loadPlugins = (sources: readonly string[]) =>
    registry
      .load(namedTypes(sources))
      .catch((err) => log.error({ err: (err as Error).message }, 'a plugin module could not be loaded'));
  const assigned = new AssignedFlows(store.database);
  const flows = await loadAgentFlows({
    flowsDir: standalone ? options.flowsDir : undefined,
    assigned,
    parse,
    registry,
    checkExpression,
    loadPlugins,
    log,
  });
  const localBroker = await startLocalBrokerOrClose(options, logger, store);

  // The engine, the outbox that carries its records to the hub, and what may refuse new executions.
  const { host, engine } = openEngine(options, { store, registry, renderer, flows, localBroker, logger });
  const state = new AgentState(store.database);
  const desired = new DesiredState({
    state,
    assigned,
    namespaceFiles: store.namespaceFiles,
    parse,
    log,
    // The triggers follow the flows (they exist before any desired state can arrive).
    onFlowsChanged: (next) => void triggers.sync(toggles?.over(next) ?? next),
  });
  const outbox = new Outbox(store, options.outbox, { logger: logger.child({ component: 'outbox' }) });
  const load = trackLoad(engine);
  const footprint = footprintMeter();
  const intake = new Intake({
    agentId: options.id,
    decommissioned: () => desired.decommissioned,
    outboxFull: () => outbox.full,
  });
  const triggers = new TriggerRuntime({
    engine,
    state: new SqliteTriggerStateStore(store),
    logger: logger.child({ agentId: options.id }),
    refusal: intake.refusal,
    queue: options.triggerQueue,
  });
  // trigger.Toggle switches the triggers of the flows the hub assigned here; a standalone agent has no hub to tell.
  const toggles = standalone
    ? undefined
    : new TriggerToggles({
        database: store.database,
        flow: (namespace, id) => assigned.getFlow(namespace, id),
        append: (toggle) => store.appendOutboxRecord('triggerToggle', toggle),
        update: (record) => triggers.update(record.flow.namespace, record.flow.id, record),
      });
  host.triggers = toggles;
  const commands = new CommandHandler({
    agentId: options.id,
    engine,
    flows: assigned,
    answer: (result) => outbox.appendCommand(result),
    refuseStart: intake.refusal,
    refuseCommands: intake.commandRefusal,
    postpone: () => intake.stopping,
    logger,
  });

  const recovered = await engine.recover();
  if (recovered.length > 0)
    log.info({ executions: recovered.map((e) => e.id) }, 'resumed unfinished executions');
  await triggers.sync(toggles?.over(flows.list()) ?? flows.list());
  const http = await startHttpOrClose(options, {
    engine,
    flows,
    intake,
    triggers,
    host,
    localBroker,
    store,
    logger,
  });

  // The hub session: hello on each connect, status now and then, desired flows and commands in.
  const hubKeys = new HubKeys({ state, given: options.hubKey, log: logger.child({ component: 'hub-keys' }) });
  let requestRestart: (reason: string) => void = () => undefined;
  const restartRequested = new Promise<string>((resolve) => {
    requestRestart = resolve;
  });
  // Run by the launcher (`--install-dir`), the agent takes the version the hub names (agent/update/).
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
  const sync = standalone
    ? undefined
    : startHubSession({
        url: options.hubUrl!,
        tls: hubTls,
        agentId: options.id,
        token: options.token,
        tuning: options.sync,
        version: options.version,
        labels: options.labels,
        startedAt: new Date().toISOString(),
        logger,
        registry,
        assigned,
        outbox,
        desired,
        commands,
        hubKeys,
        load,
        triggers,
        footprint,
        flush: () => store.flush(),
        loadPlugins,
        updater,
      });
  updater?.start();
  const stopTriggerStatus = sync
    ? publishTriggerChanges(triggers, () => sync.publishStatus(), TRIGGER_STATUS_MS)
    : () => undefined;
  // Records also age while nothing is appended: the age limit needs a clock of its own.
  const maintenance = setInterval(() => outbox.enforce(), options.sync.statusIntervalMs);
  maintenance.unref();
  log.info({ standalone, flows: flows.applied().length, hub: options.hubUrl }, 'agent started');

  const closers = agentClosers({
    log,
    closeGraceMs: options.closeGraceMs,
    stopIntake: () => {
      intake.stop();
      clearInterval(maintenance);
      updater?.close();
      stopTriggerStatus();
    },
    http,
    triggers,
    commands,
    engine,
    sync,
    host,
    localBroker,
    store,
    outbox,
    load,
    footprint,
  });

  return {
    id: options.id,
    options,
    engine,
    store,
    outbox,
    registry,
    sync,
    triggers,
    localBroker,
    http,
    connectionState: () => sync?.state ?? 'STANDALONE',
    syncStats: () => sync?.stats(),
    hubKeys: () => hubKeys.trusted,
    outboxStats: () => outbox.stats(),
    appliedFlows: () => flows.applied(),
    flows: () => flows.list(),
    startRefusal: intake.refusal,
    get decommissioned() {
      return desired.decommissioned;
    },
    restartRequested,
    close: () => closers.close(),
  };
}
