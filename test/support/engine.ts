/** An engine on a real SQLite store in a temporary directory, with helpers to run YAML flows. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore, type SqliteStore } from '../../agent/store/sqlite-store.js';
import { builtinRegistry } from '../../plugins/builtin.js';
import type { Registry } from '../../plugins/registry.js';
import { formatProblem } from '../../protocol/errors.js';
import type { Execution, LogLine, TaskRun } from '../../protocol/execution.js';
import { Engine, type StartOptions } from '../../runtime/engine/engine.js';
import type { RuntimeHost } from '../../runtime/engine/plugin-host.js';
import type { Clock, FlowRecord, SecretSource } from '../../runtime/engine/ports.js';
import type { ProcessVariables } from '../../runtime/engine/process-variables.js';
import { Renderer } from '../../runtime/expr/index.js';
import { FlowDirectory } from '../../runtime/flow-directory.js';
import { parseFlow } from '../../runtime/flow-loader.js';

export interface Finished {
  execution: Execution;
  taskRuns: TaskRun[];
  logs: LogLine[];
  /** The task run of `taskId` (the first one, or the one with `value`). */
  run(taskId: string, value?: string): TaskRun;
  /** Log messages of one task. */
  messages(taskId?: string): string[];
}

export interface EngineFixture {
  engine: Engine;
  store: SqliteStore;
  flows: FlowDirectory;
  dir: string;
  flow(yaml: string): FlowRecord;
  run(yaml: string | FlowRecord, options?: StartOptions): Promise<Finished>;
  finished(executionId: string): Promise<Finished>;
  close(): Promise<void>;
}

const renderer = new Renderer();

export function parseOrThrow(yaml: string, registry: Registry = builtinRegistry()): FlowRecord {
  const result = parseFlow(yaml, registry, { checkExpression: (t) => renderer.check(t) });
  if (!result.flow || result.problems.length > 0)
    throw new Error(result.problems.map(formatProblem).join('\n'));
  return { flow: result.flow, revision: result.flow.revision ?? 1 };
}

export function engineFixture(
  options: {
    clock?: Clock;
    dir?: string;
    host?: RuntimeHost;
    secrets?: SecretSource;
    registry?: Registry;
    killGraceMs?: number;
    variables?: ProcessVariables;
  } = {},
): EngineFixture {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'tern-engine-'));
  const store = openSqliteStore({ path: join(dir, 'tern.db') });
  const flows = new FlowDirectory();
  const engine = new Engine({
    store,
    registry: options.registry ?? builtinRegistry(),
    flows,
    renderer,
    clock: options.clock,
    host: options.host,
    secrets: options.secrets,
    workRoot: join(dir, 'work'),
    killGraceMs: options.killGraceMs ?? 2000,
    variables: options.variables,
  });
  const finished = async (id: string): Promise<Finished> => {
    await store.flush();
    const stored = await store.getExecution(id);
    if (!stored) throw new Error(`execution ${id} not stored`);
    const logs = await store.listLogs(id);
    return {
      execution: stored.execution,
      taskRuns: stored.taskRuns,
      logs,
      run(taskId, value) {
        const tr = stored.taskRuns.find(
          (t) => t.taskId === taskId && (value === undefined || t.value === value),
        );
        if (!tr) throw new Error(`no task run for ${taskId}${value !== undefined ? `[${value}]` : ''}`);
        return tr;
      },
      messages: (taskId) =>
        logs.filter((l) => taskId === undefined || l.taskId === taskId).map((l) => l.message),
    };
  };
  return {
    engine,
    store,
    flows,
    dir,
    flow(yaml) {
      const record = parseOrThrow(yaml, options.registry);
      flows.add(record);
      return record;
    },
    async run(yaml, startOptions) {
      const record = typeof yaml === 'string' ? this.flow(yaml) : yaml;
      const e = await engine.run(record, startOptions);
      return finished(e.id);
    },
    finished,
    async close() {
      await engine.idle();
      await engine.host.close();
      await store.flush();
      store.close();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
