/**
 * A store in a real child process killed with SIGKILL loses nothing that
 * `flush()` reported committed. The child runs plain JavaScript, so the store
 * is compiled first (type checking skipped: `tsc` proper checks the project).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from './sqlite-store.js';

const repo = resolve(import.meta.dirname, '..', '..');
// Inside the repository so that the compiled store resolves `better-sqlite3` from its node_modules.
const buildDir = join(repo, 'node_modules', '.cache', `tern-store-crash-${process.pid}`);
let dir: string;
const children: ChildProcess[] = [];

/** Saves batches of 100 executions (4 task runs and a log line each) and prints `flushed <n>` after each flush. */
const CHILD_SCRIPT = `
const [storeUrl, dbPath] = process.argv.slice(2);
const { openSqliteStore } = await import(storeUrl);
const store = openSqliteStore({ path: dbPath });
const startDate = new Date().toISOString();
for (let n = 0; ; ) {
  for (const end = n + 100; n < end; n++) {
    const id = 'exec-' + n;
    store.saveExecution({ id, namespace: 'crash', flowId: 'f', flowRevision: 1, state: 'RUNNING', inputs: {},
      outputs: {}, labels: {}, trigger: null, originalId: id, agentId: 'gw', startDate });
    for (let t = 0; t < 4; t++) {
      store.saveTaskRun({ id: id + '-' + t, executionId: id, taskId: 't' + t, parentTaskRunId: null, value: null,
        valuePath: [], iteration: null, state: 'SUCCESS', attempts: [], outputs: { t }, startDate });
    }
    store.appendLog({ executionId: id, taskRunId: null, taskId: null, attempt: null, level: 'INFO',
      message: 'line ' + n, timestamp: startDate });
  }
  await store.flush();
  process.stdout.write('flushed ' + n + '\\n');
}
`;

beforeAll(() => {
  mkdirSync(buildDir, { recursive: true });
  const tsconfig = join(buildDir, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(repo, 'tsconfig.json'),
      files: [join(repo, 'agent', 'store', 'sqlite-store.ts')],
      include: [],
      compilerOptions: { noCheck: true, outDir: join(buildDir, 'out'), rootDir: repo, sourceMap: false },
    }),
  );
  execFileSync(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', tsconfig]);
  dir = mkdtempSync(join(tmpdir(), 'tern-crash-'));
}, 120_000);

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(buildDir, { recursive: true, force: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs the writer until it reports at least `atLeast` flushed executions, then kills it; returns the last report. */
async function killWriterAfter(dbPath: string, atLeast: number): Promise<number> {
  const script = join(dir, 'writer.mjs');
  writeFileSync(script, CHILD_SCRIPT);
  const storeUrl = pathToFileURL(join(buildDir, 'out', 'agent', 'store', 'sqlite-store.js')).href;
  const proc = spawn(process.execPath, [script, storeUrl, dbPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  let stderr = '';
  proc.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    proc.on('exit', (_code, signal) => resolve(signal)),
  );
  let flushed = 0;
  for await (const line of createInterface({ input: proc.stdout! })) {
    flushed = Number(line.split(' ')[1]);
    if (flushed >= atLeast) {
      proc.kill('SIGKILL');
      break;
    }
  }
  const signal = await exited;
  if (signal !== 'SIGKILL') throw new Error(`writer ended on its own (${signal}): ${stderr}`);
  return flushed;
}

describe('a store killed with SIGKILL', () => {
  it('keeps every execution, task run and log line whose flush had resolved', async () => {
    const dbPath = join(dir, 'agent.db');
    const flushed = await killWriterAfter(dbPath, 2000);

    const store = openSqliteStore({ path: dbPath });
    try {
      const missing: string[] = [];
      for (let n = 0; n < flushed; n++) {
        const id = `exec-${n}`;
        const found = await store.getExecution(id);
        const logs = await store.listLogs(id);
        if (found?.taskRuns.length !== 4 || logs.length !== 1) missing.push(id);
      }
      expect(missing).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('leaves a database that passes SQLite’s integrity check', async () => {
    const dbPath = join(dir, 'integrity.db');
    await killWriterAfter(dbPath, 2000);
    const db = new BetterSqlite3(dbPath);
    const result = db.pragma('integrity_check', { simple: true });
    db.close();
    expect(result).toBe('ok');
  });
});
