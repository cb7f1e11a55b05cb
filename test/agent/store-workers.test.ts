/**
 * The store's writer (which also checkpoints the WAL) runs on a worker
 * thread, a module of its own file. A process started with `--input-type=module` (as `node -e`
 * with top-level await needs) passes that flag on to its workers: the store
 * must keep its writer and its checkpoints there too. V8 flags such as the
 * agent's heap settings are the process's: a worker refuses them, so they
 * must not be passed on either.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { agentNodeOptions } from '../../agent/v8-flags.js';
import { assertBuilt, ROOT } from '../support/cli.js';

/** Writes a few hundred KB through the store, then waits for a checkpoint to reach the database file or for an error. */
const SCRIPT = `
import { statSync } from 'node:fs';
const { openSqliteStore } = await import(process.env.STORE_MODULE);
const errors = [];
const store = openSqliteStore({ path: process.env.DB, onWriteError: (e) => errors.push(e.message) });
const before = statSync(process.env.DB).size;
const line = (message) => ({ executionId: 'e1', taskRunId: null, taskId: null, attempt: null, level: 'INFO', message, timestamp: new Date().toISOString() });
for (let i = 0; i < 1000; i++) store.appendLog(line('x'.repeat(400) + i));
await store.flush();
const deadline = Date.now() + 20_000;
while (errors.length === 0 && statSync(process.env.DB).size === before && Date.now() < deadline)
  await new Promise((resolve) => setTimeout(resolve, 20));
const checkpointed = statSync(process.env.DB).size > before;
store.close();
process.stdout.write(JSON.stringify({ errors, checkpointed }));
`;

it.each([
  ['--input-type=module', []],
  ['the agent V8 heap flags', agentNodeOptions(512 * 1024 ** 2)],
])('keeps its writer and checkpoints in a process started with %s', async (_, flags) => {
  assertBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'tern-store-module-'));
  const child = spawn(process.execPath, [...flags, '--input-type=module', '-e', SCRIPT], {
    env: {
      ...process.env,
      STORE_MODULE: join(ROOT, 'dist', 'agent', 'store', 'sqlite-store.js'),
      DB: join(dir, 'tern.db'),
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise((resolve) => child.on('close', resolve));
  expect(code, stderr).toBe(0);
  expect(JSON.parse(stdout)).toEqual({ errors: [], checkpointed: true });
});
