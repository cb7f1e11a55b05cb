/**
 * A `tern run` process killed with SIGKILL mid-execution: the next run finds
 * the execution and resumes it (retry policy allows) or fails it; it never
 * stays RUNNING.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { openSqliteStore } from '../../agent/store/sqlite-store.js';
import { TERN, tern } from '../support/cli.js';

function flow(retry: boolean): string {
  return `
id: crash
namespace: test
inputs: [{ id: dir, type: STRING }]
tasks:
  - id: work
    type: shell
    commands:
      - 'if [ -f "{{ inputs.dir }}/started" ]; then echo resumed; exit 0; fi'
      - 'echo $$ > "{{ inputs.dir }}/started"'
      - 'exec sleep 60'
${retry ? '    retry: { type: constant, interval: PT0.01S, maxAttempts: 2 }' : ''}
  - { id: after, type: log, message: after }
`;
}

/** Executions and task runs committed as RUNNING, read from another connection. */
function runningInStore(path: string): { executions: number; taskRuns: number } {
  const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  try {
    const count = (table: string) =>
      (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE state = 'RUNNING'`).get() as { n: number }).n;
    return { executions: count('executions'), taskRuns: count('task_runs') };
  } finally {
    db.close();
  }
}

async function crashMidExecution(retry: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'tern-crash-'));
  const file = join(dir, 'crash.yml');
  writeFileSync(file, flow(retry));
  const dataDir = join(dir, 'data');
  const child = spawn(process.execPath, [TERN, 'run', file, '--data-dir', dataDir, '--input', `dir=${dir}`], {
    stdio: 'ignore',
  });
  // The crash comes once the task runs and its start is durable: the store commits within a few
  // milliseconds, later on a busy machine, and an execution killed before that has left no trace.
  await vi.waitFor(
    () => {
      expect(existsSync(join(dir, 'started'))).toBe(true);
      expect(runningInStore(join(dataDir, 'tern.db'))).toEqual({ executions: 1, taskRuns: 1 });
    },
    { timeout: 10_000, interval: 20 },
  );
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  // The task's own process group outlives the runner; stop it so the test leaves nothing behind.
  const shellPid = Number(readFileSync(join(dir, 'started'), 'utf8'));
  try {
    process.kill(-shellPid, 'SIGKILL');
  } catch {
    // already gone
  }
  const again = await tern(['run', file, '--json', '--data-dir', dataDir, '--input', `dir=${dir}`]);
  const json = JSON.parse(again.stdout) as { resumed?: { id: string; state: string }[]; state: string };
  const store = openSqliteStore({ path: join(dataDir, 'tern.db') });
  try {
    const unfinished = await store.listExecutionsByState([
      'CREATED',
      'QUEUED',
      'RUNNING',
      'PAUSED',
      'RETRYING',
      'KILLING',
    ]);
    const resumedId = json.resumed?.[0]?.id;
    const resumed = resumedId ? await store.getExecution(resumedId) : undefined;
    return { json, unfinished, resumed };
  } finally {
    store.close();
  }
}

describe('crash recovery', () => {
  it('resumes the interrupted execution when its retry policy allows another attempt', async () => {
    const { json, unfinished, resumed } = await crashMidExecution(true);
    expect(unfinished).toHaveLength(0);
    expect(json.resumed).toHaveLength(1);
    expect(resumed?.execution.state).toBe('SUCCESS');
    const work = resumed?.taskRuns.find((t) => t.taskId === 'work');
    expect(work?.attempts.map((a) => a.state)).toEqual(['FAILED', 'SUCCESS']);
    expect(work?.attempts[0]?.error).toMatch(/interrupted/);
    expect(resumed?.taskRuns.find((t) => t.taskId === 'after')?.state).toBe('SUCCESS');
  });

  it('fails the interrupted execution when its retry policy allows no other attempt', async () => {
    const { json, unfinished, resumed } = await crashMidExecution(false);
    expect(unfinished).toHaveLength(0);
    expect(json.resumed?.[0]?.state).toBe('FAILED');
    expect(resumed?.execution.state).toBe('FAILED');
    expect(resumed?.taskRuns.find((t) => t.taskId === 'work')?.error).toMatch(/interrupted/);
  });
});
