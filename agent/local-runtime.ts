/** A runtime on one machine: SQLite store, built-in plugins, flows from files, one engine. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { builtinRegistry } from '../plugins/builtin.js';
import type { Registry } from '../plugins/registry.js';
import type { Logger } from '../protocol/logger.js';
import { Engine } from '../runtime/engine/engine.js';
import type { SecretSource } from '../runtime/engine/ports.js';
import type { ProcessVariables } from '../runtime/engine/process-variables.js';
import { Renderer, type RenderLimits } from '../runtime/expr/index.js';
import { FlowDirectory } from '../runtime/flow-directory.js';
import { openSqliteStore, type SqliteStore } from './store/sqlite-store.js';

export interface LocalRuntimeOptions {
  dataDir: string;
  logger?: Logger;
  secrets?: SecretSource;
  agent?: { id: string; labels: Record<string, string> } | null;
  /** The work budget of each render; defaults where unset. */
  renderLimits?: Partial<RenderLimits>;
  /** `envs` and `globals` for every execution. */
  variables?: ProcessVariables;
}

export interface LocalRuntime {
  engine: Engine;
  store: SqliteStore;
  flows: FlowDirectory;
  registry: Registry;
  renderer: Renderer;
  close(): Promise<void>;
}

export function openLocalRuntime(options: LocalRuntimeOptions): LocalRuntime {
  mkdirSync(options.dataDir, { recursive: true });
  const store = openSqliteStore({
    path: join(options.dataDir, 'tern.db'),
    filesDir: join(options.dataDir, 'files'),
  });
  const registry = builtinRegistry();
  const flows = new FlowDirectory();
  const renderer = new Renderer({ limits: options.renderLimits });
  const engine = new Engine({
    store,
    registry,
    flows,
    renderer,
    logger: options.logger,
    secrets: options.secrets,
    agent: options.agent,
    workRoot: join(options.dataDir, 'work'),
    variables: options.variables,
  });
  return {
    engine,
    store,
    flows,
    registry,
    renderer,
    async close() {
      await engine.host.close();
      await store.flush();
      store.close();
    },
  };
}
