/**
 * An agent's footprint (memory, heap, event loop delay, start-up time) goes
 * from its status message into the hub's agent record and out through the
 * API: a real hub on PGlite and on PostgreSQL, a real agent over MQTT.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type Agent, startAgent } from '../../agent/agent.js';
import type { Hub } from '../../hub/hub.js';
import { startTestHub } from '../support/hub-api.js';
import { type FreshDatabase, freshDatabase } from '../support/postgres.js';

const ADMIN = 'tern_footprint_test_admin_token_0123456789';
const root = mkdtempSync(join(tmpdir(), 'tern-footprint-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const PG_URL = process.env.TERN_TEST_PG_URL;
const backends: { name: string; database: () => Promise<FreshDatabase | undefined> }[] = [
  { name: 'PGlite', database: async () => undefined },
  ...(PG_URL ? [{ name: 'PostgreSQL', database: () => freshDatabase(PG_URL, 'tern_footprint') }] : []),
];
if (!PG_URL && process.env.TERN_REQUIRE_SERVICES === '1') throw new Error('TERN_TEST_PG_URL is not set');

const FLOW = `id: tick
namespace: plant
runsOn:
  agents: [gw-foot]
tasks:
  - id: say
    type: log
    message: hello
`;

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies freely; the assertions check them.
async function call(hub: Hub, method: string, path: string, body?: string): Promise<any> {
  const res = await fetch(`${hub.url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN}`,
      'content-type': path === '/flows' ? 'application/x-yaml' : 'application/json',
    },
    body,
  });
  expect(res.status).toBeLessThan(300);
  return res.json();
}

describe.each(backends)('an agent footprint on $name', ({ name, database }) => {
  it('is stored with the agent and served by GET /agents/{id} once its flows are applied', async () => {
    const db = await database();
    let hub: Hub | undefined;
    let agent: Agent | undefined;
    try {
      hub = await startTestHub(join(root, name), ADMIN, { dbUrl: db?.url });
      const h = hub;
      await call(h, 'POST', '/flows', FLOW);
      const { token } = await call(h, 'POST', '/agents', JSON.stringify({ id: 'gw-foot' }));
      agent = await startAgent({
        id: 'gw-foot',
        token,
        hubUrl: `mqtt://127.0.0.1:${h.mqttPort}`,
        dataDir: join(root, name, 'agent'),
        sync: { reconnectMinMs: 20, reconnectMaxMs: 200 },
      });
      const footprint = await vi.waitFor(
        async () => {
          const record = await call(h, 'GET', '/agents/gw-foot');
          expect(record.status.footprint?.readyMs).toBeDefined();
          return record.status.footprint;
        },
        { timeout: 20_000, interval: 50 },
      );
      // This test's own process is the agent's: its figures are this process's.
      expect(footprint.rssBytes).toBeGreaterThan(10 * 1024 ** 2);
      expect(footprint.rssBytes).toBeLessThanOrEqual(process.memoryUsage.rss() * 2);
      expect(footprint.heapUsedBytes).toBeGreaterThan(0);
      expect(footprint.heapUsedBytes).toBeLessThan(footprint.heapLimitBytes);
      expect(footprint.eventLoopDelayP99Ms).toBeGreaterThanOrEqual(0);
      expect(footprint.readyMs).toBeGreaterThan(0);
      expect(footprint.readyMs).toBeLessThanOrEqual(performance.now());
      expect(agent.appliedFlows().map((f) => f.id)).toEqual(['tick']);
    } finally {
      await agent?.close();
      await hub?.close();
      await db?.drop();
    }
  }, 60_000);
});
