/**
 * One request cannot freeze the hub: attack bodies fired at a real `tern hub` process while
 * `/api/v1/healthz` is polled. Each gets a clear refusal (or its execution fails with the budget
 * error) while the health check keeps answering within a second and memory stays bounded.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../support/postgres.js';
import { describeWithService } from '../support/services.js';
import { HubApiClient, HubProcess } from './hub-process.js';

/** The longest a health check may take while an attack runs. */
const HEALTH_BOUND_MS = 1000;
/** How much the hub's resident memory may grow during one attack. */
const MEMORY_BOUND_BYTES = 400 * 1024 * 1024;

const NESTED_RANGE = '{% for i in range(1,4000) %}{% for j in range(1,4000) %}x{% endfor %}{% endfor %}';

/** 999 aliases of a 100,000-item list: about 200 KB of YAML, 100 million values once expanded. */
function aliasBomb(items: number): string {
  const list = `[${Array(items).fill(0).join(',')}]`;
  const uses = Array.from({ length: 999 }, (_, i) => `  v${i}: *l\n`).join('');
  return `id: bomb\nnamespace: attack\ntasks:\n  - { id: a, type: log, message: x }\nvariables:\n  list: &l ${list}\n${uses}`;
}

/** A valid flow close to the size limits: reading and checking it takes the longest a flow can. */
function largestFlow(): string {
  const tasks = Array.from(
    { length: 10_000 },
    (_, i) =>
      `  - id: t${i}\n    type: log\n    message: "{{ inputs.a ?? 'x' }} {{ outputs.t${i}.x ?? ${i} }}"\n`,
  ).join('');
  return `id: largest\nnamespace: attack\ntasks:\n${tasks}`;
}

function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

/** Polls the health check (and the hub's memory) until stopped; reports the slowest answer and the peak. */
function watchHealth(url: string, pid: number) {
  let stopped = false;
  let slowest = 0;
  let answers = 0;
  let peak = residentBytes(pid);
  const base = peak;
  const polling = (async () => {
    while (!stopped) {
      const start = Date.now();
      const res = await fetch(`${url}/api/v1/healthz`);
      await res.text();
      slowest = Math.max(slowest, Date.now() - start);
      if (res.status === 200) answers++;
      peak = Math.max(peak, residentBytes(pid));
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await polling;
      return { slowest, answers, growth: peak - base };
    },
  };
}

/** Runs `attack` while watching the hub; the health check must answer promptly throughout. */
async function underWatch<T>(hub: HubProcess, attack: () => Promise<T>): Promise<T> {
  const watch = watchHealth(hub.url, hub.pid);
  // A few answers first, so that the watch sees the hub before the attack lands.
  await new Promise((resolve) => setTimeout(resolve, 100));
  let result: T;
  try {
    result = await attack();
  } finally {
    const report = await watch.stop();
    expect(report.answers).toBeGreaterThan(2);
    expect(report.slowest).toBeLessThan(HEALTH_BOUND_MS);
    expect(report.growth).toBeLessThan(MEMORY_BOUND_BYTES);
  }
  return result;
}

function freezeSuite(database: () => Promise<{ url?: string; drop(): Promise<void> }>): void {
  let dir: string;
  let hub: HubProcess;
  let api: HubApiClient;
  let db: { url?: string; drop(): Promise<void> };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tern-freeze-'));
    db = await database();
    hub = await HubProcess.start({
      dataDir: join(dir, 'hub'),
      dbUrl: db.url,
      adminToken: 'tern_admin_freeze_test_token',
      logFile: join(dir, 'hub.log'),
    });
    api = new HubApiClient(hub.url, 'tern_admin_freeze_test_token');
  }, 60_000);

  afterAll(async () => {
    await hub?.stop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('refuses the YAML alias bomb at once, as a flow and for validation', async () => {
    const bomb = aliasBomb(100_000);
    const [created, validated] = await underWatch(hub, () =>
      Promise.all([api.call('POST', '/flows', bomb), api.call('POST', '/flows/validate', bomb)]),
    );
    expect(created.status).toBe(422);
    expect(created.body.error.message).toMatch(/the flow is too large: more than 100,000 values/);
    expect(validated.status).toBe(200);
    expect(validated.body.valid).toBe(false);
    expect(validated.body.problems[0]).toMatchObject({
      line: expect.any(Number),
      message: expect.stringMatching(/^the flow is too large/),
    });
  }, 60_000);

  it('checks the largest flow it accepts without holding up other requests', async () => {
    const source = largestFlow();
    const created = await underWatch(hub, () => api.call('POST', '/flows', source));
    expect(created.status).toBe(201);
  }, 60_000);

  it('fails a task whose template loops 4000 × 4000 times at its PT2S timeout, not 20 s later', async () => {
    const flow = `id: nested-range\nnamespace: attack\ntasks:\n  - id: loop\n    type: log\n    timeout: PT2S\n    message: "${NESTED_RANGE}"\n`;
    expect((await api.call('POST', '/flows', flow)).status).toBe(201);
    const ended = await underWatch(hub, () => api.call('POST', '/executions/attack/nested-range?wait=true'));
    expect(ended.status).toBe(201);
    expect(ended.body.state).toBe('FAILED');
    expect(Date.parse(ended.body.endDate) - Date.parse(ended.body.startDate)).toBeLessThan(2500);
    const logs = await api.call('GET', `/executions/${ended.body.id}/logs`);
    expect(JSON.stringify(logs.body)).toMatch(/render stopped: /);
  }, 60_000);

  it('kills a flow that keeps the engine busy, and answers meanwhile', async () => {
    // Thousands of tasks of a few milliseconds each: without turns of the event loop between them the
    // hub would hear neither the kill nor the health checks until the flow ended, a minute later.
    const flow = `id: busy\nnamespace: attack\ntasks:\n  - id: each\n    type: foreach\n    values: "{{ range(1, 5000) }}"\n    tasks:\n      - id: work\n        type: log\n        message: "{% for i in range(1, 5000) %}{% endfor %}done"\n`;
    expect((await api.call('POST', '/flows', flow)).status).toBe(201);
    const started = await api.call('POST', '/executions/attack/busy');
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    const state = await underWatch(hub, async () => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const killedAt = Date.now();
      expect((await api.call('POST', `/executions/${id}/kill`)).status).toBe(202);
      for (;;) {
        const now = await api.call('GET', `/executions/${id}`);
        if (now.body.state === 'KILLED' || Date.now() - killedAt > 5000) return now.body.state as string;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });
    expect(state).toBe('KILLED');
  }, 60_000);
}

describe('one request cannot freeze the hub (PGlite)', () => {
  freezeSuite(async () => ({ drop: async () => {} }));
});

describeWithService('TERN_TEST_PG_URL', 'one request cannot freeze the hub (PostgreSQL)', (url) => {
  freezeSuite(async () => freshDatabase(url, 'tern_freeze'));
});
