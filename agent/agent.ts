/**
 * The agent: a local runtime with its outbox on, the flows the hub assigned
 * (kept across restarts), the hub's commands, and the sync client that ties
 * them to the hub. Standalone, it runs flows from a folder without MQTT.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { builtinRegistry } from '../plugins/builtin.js';
import type { Registry } from '../plugins/registry.js';
import type { Execution } from '../protocol/execution.js';
import { type Logger, silentLogger } from '../protocol/logger.js';
import {
  type AppliedFlow,
  appliedStateHash,
  type Desired,
  type Hello,
  type OutboxStatus,
  type Reported,
} from '../protocol/messages.js';
import { isTerminal } from '../protocol/states.js';
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
import { AgentState, STATE_KEYS } from './sync/agent-state.js';
import { AssignedFlows, flowParser, planDesired } from './sync/assigned-flows.js';
import { CommandHandler } from './sync/commands.js';
import type { ConnectionState } from './sync/connection.js';
import { applyNamespaceFiles } from './sync/namespace-files.js';
import { Outbox } from './sync/outbox.js';
import { SyncClient, type SyncStats } from './sync/sync-client.js';

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
  outboxStats(): OutboxStatus;
  /** The flows the agent runs, with the revision and hash the hub gave (standalone: revision, no hash). */
  appliedFlows(): AppliedFlow[];
  flows(): FlowRecord[];
  /** Why a new execution may not start now (outbox full under pause-triggers, decommissioned), or undefined. */
  startRefusal(): string | undefined;
  readonly decommissioned: boolean;
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
  mkdirSync(options.dataDir, { recursive: true });
  const store = openSqliteStore({
    path: join(options.dataDir, 'tern.db'),
    filesDir: join(options.dataDir, 'files'),
    // Standalone there is no one to sync to: the outbox would only fill up.
    outbox: !standalone,
    onWriteError: (err) => log.error({ err: (err as Error).message }, 'local store write failed; will retry'),
  });
  const state = new AgentState(store.database);
  const registry = builtinRegistry();
  const renderer = new Renderer({ limits: options.renderLimits });
  const parse = flowParser(registry, (t) => renderer.check(t));
  const assigned = new AssignedFlows(store.database);
  const directory = new FlowDirectory();
  let decommissioned = state.get(STATE_KEYS.decommissioned) === 'true';
  let stopping = false;
  let generation = state.number(STATE_KEYS.generation);

  if (standalone) {
    for (const file of await directory.load([options.flowsDir!], registry, (t) => renderer.check(t))) {
      if (file.problems.length > 0)
        log.warn({ file: file.file, problems: file.problems }, 'flow file skipped');
    }
  } else {
    for (const { flow, problems } of assigned.load(parse))
      log.warn({ namespace: flow.namespace, flowId: flow.id, problems }, 'assigned flow no longer usable');
  }

  let localBroker: LocalBroker | undefined;
  if (options.localBroker) {
    try {
      localBroker = await startLocalBroker({ ...options.localBroker, logger });
    } catch (err) {
      store.close();
      throw new Error(
        `cannot start the local MQTT broker on ${options.localBroker.host}:${options.localBroker.port}: ${(err as Error).message}`,
      );
    }
  }
  const host = new RuntimeHost({ mqtt: localBroker && { url: localBroker.url } });
  const engine = new Engine({
    store,
    registry,
    flows: standalone ? directory : assigned,
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

  const startRefusal = (): string | undefined => {
    if (stopping) return `agent ${options.id} is stopping`;
    if (decommissioned) return `agent ${options.id} is decommissioned`;
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
  const flows = (): FlowRecord[] => (standalone ? directory.list() : assigned.list());

  const appliedFlows = (): AppliedFlow[] =>
    standalone
      ? directory
          .list()
          .map((r) => ({ namespace: r.flow.namespace, id: r.flow.id, revision: r.revision, hash: '' }))
      : assigned.applied();

  let sync: SyncClient | undefined;
  const commands = new CommandHandler({
    agentId: options.id,
    engine,
    flows: assigned,
    answer: (result) => outbox.appendCommand(result),
    refuseStart: startRefusal,
    refuseCommands: () => (decommissioned ? `agent ${options.id} is decommissioned` : undefined),
    postpone: () => stopping,
    logger,
  });

  const applyDesired = (desired: Desired): void => {
    const plan = planDesired(desired.flows, desired.decommissioned === true, assigned, parse);
    assigned.replace(plan.next);
    applyNamespaceFiles(store.namespaceFiles, desired.namespaceFiles ?? [], log);
    void triggers.sync(assigned.list());
    decommissioned = desired.decommissioned === true;
    generation = desired.generation;
    state.set(STATE_KEYS.generation, generation);
    state.set(STATE_KEYS.decommissioned, decommissioned);
    const applied = assigned.applied();
    const reported: Reported = {
      generation,
      hash: appliedStateHash(applied),
      applied,
      refused: plan.refused,
      ...(decommissioned ? { decommissioned } : {}),
    };
    for (const r of plan.refused)
      log.warn(
        { namespace: r.namespace, flowId: r.id, revision: r.revision, reason: r.reason },
        'flow refused',
      );
    log.info(
      { generation, applied: applied.length, refused: plan.refused.length, decommissioned },
      'desired flows applied',
    );
    sync?.publishReported(reported);
  };

  const recovered = await engine.recover();
  if (recovered.length > 0)
    log.info({ executions: recovered.map((e) => e.id) }, 'resumed unfinished executions');
  await triggers.sync(flows());

  let http: AgentHttp | undefined;
  if (options.http) {
    const source = standalone ? directory : assigned;
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

  const startedAt = new Date().toISOString();
  if (!standalone) {
    sync = new SyncClient({
      url: options.hubUrl!,
      tls: hubTls,
      agentId: options.id,
      token: options.token,
      tuning: options.sync,
      outbox,
      logger,
      hello: (): Hello => {
        const applied = assigned.applied();
        return {
          agentId: options.id,
          version: options.version,
          pluginTypes: [...registry.tasks(), ...registry.triggers()].map((t) => t.type),
          labels: options.labels,
          appliedHash: appliedStateHash(applied),
          generation,
          outbox: { highSeq: outbox.highSeq, ackedSeq: outbox.ackedSeq, depth: outbox.depth },
          startedAt,
        };
      },
      status: () => ({
        version: options.version,
        load: load.current(),
        outbox: outbox.stats(),
        triggers: triggers.status(),
      }),
      onDesired: applyDesired,
      onCommand: async (command) => {
        const taken = await commands.handle(command);
        if (taken) await store.flush();
        return taken;
      },
    });
    sync.start();
  }
  // Triggers change with every event: the hub hears of it at most once per TRIGGER_STATUS_MS.
  let statusTimer: NodeJS.Timeout | undefined;
  const offTriggerChange = triggers.onChange(() => {
    if (statusTimer || !sync) return;
    statusTimer = setTimeout(() => {
      statusTimer = undefined;
      sync?.publishStatus();
    }, TRIGGER_STATUS_MS);
    statusTimer.unref();
  });
  // Records also age while nothing is appended: the age limit needs a clock of its own.
  const maintenance = setInterval(() => outbox.enforce(), options.sync.statusIntervalMs);
  maintenance.unref();
  log.info({ standalone, flows: appliedFlows().length, hub: options.hubUrl }, 'agent started');

  let closing: Promise<void> | undefined;
  const close = async () => {
    stopping = true;
    clearInterval(maintenance);
    offTriggerChange();
    clearTimeout(statusTimer);
    await http?.close();
    await triggers.stop();
    await commands.idle();
    const ended = await waitFor(engine.idle(), options.closeGraceMs);
    if (!ended)
      log.warn(
        { running: engine.activeCount },
        'executions still running at close; they resume at the next start',
      );
    await sync?.close();
    await host.close((key, err) =>
      log.warn({ resource: key, err: String(err) }, 'shared resource not closed'),
    );
    await localBroker?.close();
    await store.flush().catch(() => undefined);
    outbox.close();
    load.stop();
    store.close();
    log.info({}, 'agent stopped');
  };

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
    outboxStats: () => outbox.stats(),
    appliedFlows,
    flows,
    startRefusal,
    get decommissioned() {
      return decommissioned;
    },
    close() {
      closing ??= close();
      return closing;
    },
  };
}

/** Running and queued executions, counted from the engine's changes, for the status message. */
function trackLoad(engine: Engine): {
  current(): { running: number; queued: number; rssBytes: number };
  stop(): void;
} {
  const states = new Map<string, Execution['state']>();
  const stop = engine.on({
    execution: (e) => {
      if (isTerminal(e.state)) states.delete(e.id);
      else states.set(e.id, e.state);
    },
  });
  return {
    current() {
      let queued = 0;
      for (const s of states.values()) if (s === 'QUEUED') queued++;
      return { running: states.size - queued, queued, rssBytes: process.memoryUsage.rss() };
    },
    stop,
  };
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
