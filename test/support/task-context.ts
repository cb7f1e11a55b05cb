/**
 * A stand-alone TaskContext for testing a plugin's `run` without the engine:
 * real temporary directories, logs collected in memory.
 */

import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskError } from '../../protocol/errors.js';
import type { LogLevel } from '../../protocol/execution.js';
import type { FileStorage, KvStore, TaskContext } from '../../protocol/plugin.js';
import { RuntimeHost } from '../../runtime/engine/plugin-host.js';
import { MemoryNamespaceFiles } from '../../runtime/namespace-files.js';

export interface TestContext extends TaskContext {
  readonly lines: { level: LogLevel; message: string }[];
  readonly controller: AbortController;
  readonly kvData: Map<string, unknown>;
}

export function testContext(overrides: Partial<TaskContext> = {}): TestContext {
  const lines: { level: LogLevel; message: string }[] = [];
  const controller = new AbortController();
  const kvData = new Map<string, unknown>();
  const root = mkdtempSync(join(tmpdir(), 'tern-test-'));
  let dir: string | undefined;
  const log = (level: LogLevel, message: string) => lines.push({ level, message });
  const kv: KvStore = {
    get: (ns, key) => kvData.get(`${ns}/${key}`),
    set: (ns, key, value) => void kvData.set(`${ns}/${key}`, value),
    delete: (ns, key) => kvData.delete(`${ns}/${key}`),
  };
  const storage: FileStorage = {
    async put(executionId, taskRunId, name, sourcePath) {
      const target = join(root, 'storage', executionId, taskRunId, name);
      mkdirSync(join(target, '..'), { recursive: true });
      copyFileSync(sourcePath, target);
      return `file://${target}`;
    },
    isUri: (value) => value.startsWith(`file://${root}/storage/`),
    localPath: (uri) => uri.slice('file://'.length),
    async deleteExecutionFiles(executionId) {
      const dir = join(root, 'storage', executionId);
      const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
      rmSync(dir, { recursive: true, force: true });
      return files.map((e) => `file://${join(e.parentPath, e.name)}`);
    },
  };
  const ctx: TestContext = {
    lines,
    controller,
    kvData,
    execution: { id: 'exec1', namespace: 'test', flowId: 'flow', flowRevision: 1, originalId: 'exec1' },
    taskRun: {
      id: 'run1',
      taskId: 'task',
      type: 'test',
      attempt: 1,
      value: null,
      iteration: null,
      outputs: {},
    },
    agent: null,
    logger: {
      log,
      debug: (m) => log('DEBUG', m),
      info: (m) => log('INFO', m),
      warn: (m) => log('WARN', m),
      error: (m) => log('ERROR', m),
    },
    signal: controller.signal,
    kv,
    storage,
    namespaceFiles: new MemoryNamespaceFiles(),
    host: new RuntimeHost(),
    async workingDir() {
      dir ??= mkdtempSync(join(root, 'work-'));
      return dir;
    },
    secret: () => undefined,
    render: (value) => value,
    renderText: (template) => template,
    runTasks: async () => {
      throw new Error('runTasks is not available in a stand-alone test context');
    },
    runIteration: async () => {
      throw new Error('runIteration is not available in a stand-alone test context');
    },
    runSubflow: async () => {
      throw new Error('runSubflow is not available in a stand-alone test context');
    },
    pause: async () => ({ resumed: false }),
    publishOutputs: () => {},
    runTaskSpec: async () => {
      throw new Error('runTaskSpec is not available in a stand-alone test context');
    },
    executions: {
      addLabels: () => {
        throw new Error('labels are not available in a stand-alone test context');
      },
      exit: () => {
        throw new Error('exit is not available in a stand-alone test context');
      },
      variables: () => ({}),
      replaceVariables: () => {
        throw new Error('variables are not available in a stand-alone test context');
      },
      resume: () => false,
      logs: async () => [],
      purge: async () => {
        throw new Error('purge is not available in a stand-alone test context');
      },
    },
    ...overrides,
  };
  return ctx;
}

/** The TaskError a task run fails with; anything else (or success) fails the test. */
export async function failure(promise: unknown): Promise<TaskError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TaskError) return err;
    throw err;
  }
  throw new Error('expected the task to fail');
}

/** Polls `condition` every 20 ms until it holds, failing after `timeoutMs` with `what` in the message. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
