/** The agent's start-up steps that open something: its store, its engine, the local broker and the webhooks' listener. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from '../plugins/registry.js';
import type { Logger } from '../protocol/logger.js';
import { Engine } from '../runtime/engine/engine.js';
import { RuntimeHost } from '../runtime/engine/plugin-host.js';
import type { Renderer } from '../runtime/expr/index.js';
import { secretSource } from '../runtime/secrets.js';
import type { TriggerRuntime } from '../runtime/triggers/runtime.js';
import type { AgentFlows } from './agent-flows.js';
import type { AgentOptions } from './config.js';
import { type AgentHttp, startAgentHttp } from './http-server.js';
import type { Intake } from './intake.js';
import { type LocalBroker, startLocalBroker } from './local-broker.js';
import { openSqliteStore, type SqliteStore } from './store/sqlite-store.js';

export /** Opens the agent's SQLite store under `dataDir`; its outbox is on only when there is a hub to sync to. */
function openAgentStore(options: AgentOptions, standalone: boolean, log: Logger): SqliteStore {
  mkdirSync(options.dataDir, { recursive: true });
  return openSqliteStore({
    path: join(options.dataDir, 'tern.db'),
    filesDir: join(options.dataDir, 'files'),
    // Standalone there is no one to sync to: the outbox would only fill up.
    outbox: !standalone,
    onWriteError: (err) => log.error({ err: (err as Error).message }, 'local store write failed; will retry'),
  });
}

/** The engine over the agent's store and flows, with the plugin host its tasks share (the local broker's URL among it). */
export function openEngine(
  options: AgentOptions,
  p: {
    store: SqliteStore;
    registry: Registry;
    renderer: Renderer;
    flows: AgentFlows;
    localBroker: LocalBroker | undefined;
    logger: Logger;
  },
): { host: RuntimeHost; engine: Engine } {
  const host = new RuntimeHost({ mqtt: p.localBroker && { url: p.localBroker.url } });
  const engine = new Engine({
    store: p.store,
    registry: p.registry,
    flows: p.flows.source,
    renderer: p.renderer,
    logger: p.logger,
    agent: { id: options.id, labels: options.labels },
    secrets: secretSource(options.secrets),
    variables: options.variables,
    workRoot: join(options.dataDir, 'work'),
    host,
  });
  return { host, engine };
}

export /** Starts the local MQTT broker when asked for one; if it cannot start, closes the store and says why. */
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

export /** Starts the webhooks' HTTP listener when asked for one; if it cannot listen, closes what started and says why. */
async function startHttpOrClose(
  options: AgentOptions,
  p: {
    engine: Engine;
    flows: AgentFlows;
    intake: Intake;
    triggers: TriggerRuntime;
    host: RuntimeHost;
    localBroker: LocalBroker | undefined;
    store: SqliteStore;
    logger: Logger;
  },
): Promise<AgentHttp | undefined> {
  if (!options.http) return undefined;
  try {
    return await startAgentHttp({
      ...options.http,
      engine: p.engine,
      flow: (namespace, id) => p.flows.source.getFlow(namespace, id),
      refusal: p.intake.refusal,
      triggers: p.triggers,
      logger: p.logger,
    });
  } catch (err) {
    await p.triggers.stop();
    await p.host.close();
    await p.localBroker?.close();
    p.store.close();
    throw new Error(
      `cannot listen for HTTP on ${options.http.host}:${options.http.port}: ${(err as Error).message}`,
    );
  }
}
