/**
 * Rotating a live agent's token (`POST /agents/{id}/token`) on the embedded broker: the old token is
 * refused and the session opened with it cut at once, while the agent keeps its flows; the agent given
 * the new token connects and syncs. The real hub on PGlite and on PostgreSQL, a real agent, and a client
 * holding the old token.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Agent, startAgent } from '../../agent/agent.js';
import type { Hub } from '../../hub/hub.js';
import { HubApiClient } from '../faults/hub-process.js';
import { startTestHub } from '../support/hub-api.js';
import { type FreshDatabase, freshDatabase } from '../support/postgres.js';
import { describeWithService } from '../support/services.js';

const ADMIN = 'tern_rotate_token_admin_token_0123456789';
const eventually = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 20_000, interval: 25 });

describe('rotating an agent token on the embedded broker (PGlite)', () => rotationSuite(async () => ({})));
describeWithService(
  'TERN_TEST_PG_URL',
  'rotating an agent token on the embedded broker (PostgreSQL)',
  (pgUrl) => {
    let db: FreshDatabase | undefined;
    afterAll(() => db?.drop(), 60_000);
    rotationSuite(async () => {
      db ??= await freshDatabase(pgUrl, 'tern_rotate');
      return { dbUrl: db.url };
    });
  },
);

/** `database` gives the hub's storage options (none: PGlite in its data folder). */
function rotationSuite(database: () => Promise<{ dbUrl?: string }>): void {
  const root = mkdtempSync(join(tmpdir(), 'tern-rotate-token-'));
  let hub: Hub;
  let api: HubApiClient;
  const agents: Agent[] = [];
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    hub = await startTestHub(join(root, 'hub'), ADMIN, await database());
    api = new HubApiClient(hub.url, ADMIN);
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) await c.endAsync(true);
    for (const a of agents) await a.close();
    await hub?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const runAgent = async (id: string, token: string): Promise<Agent> => {
    const agent = await startAgent({
      id,
      token,
      hubUrl: `mqtt://127.0.0.1:${hub.mqttPort}`,
      dataDir: join(root, `agent-${id}`),
      sync: { reconnectMinMs: 20, reconnectMaxMs: 200, lingerMs: 1 },
    });
    agents.push(agent);
    return agent;
  };

  const login = (id: string, token: string) =>
    mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, {
      clientId: `${id}:probe`,
      username: id,
      password: token,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });

  it('refuses the old token and cuts its sessions at once; the agent with the new one connects and syncs', async () => {
    const registered = await api.call('POST', '/agents', { id: 'gw-rot' });
    expect(registered.status).toBe(201);
    const oldToken = registered.body.token as string;
    const flow = `id: ping\nnamespace: rekey\nrunsOn: {agents: [gw-rot]}\ntasks:\n  - id: out\n    type: output\n    values: {ok: true}\n`;
    expect((await api.call('POST', '/flows', flow)).status).toBe(201);
    const first = await runAgent('gw-rot', oldToken);
    await eventually(() => expect(first.appliedFlows().map((f) => f.id)).toEqual(['ping']));
    const holder = await login('gw-rot', oldToken);
    clients.push(holder);
    const holderClosed = new Promise<number>((resolve) =>
      holder.once('close', () => resolve(performance.now())),
    );
    const connects = first.syncStats()!.connects;

    const rotated = await api.call('POST', '/agents/gw-rot/token');
    const answered = performance.now();
    expect(rotated.status).toBe(200);
    const newToken = rotated.body.token as string;

    // The hub cuts the session before it answers; an uncut one would stay open for its keepalive (60 s).
    // The bound leaves room for a loaded machine's event loop, not for a cut that waits.
    const deadline = new Promise((resolve) => setTimeout(() => resolve('still open'), 10_000));
    expect(await Promise.race([holderClosed, deadline])).not.toBe('still open');
    expect((await holderClosed) - answered).toBeLessThan(10_000);
    await eventually(() => expect(first.syncStats()!.state).not.toBe('ACTIVE'));
    await expect(login('gw-rot', oldToken)).rejects.toMatchObject({ code: 4 });
    // Not a decommission: the agent keeps its flows, and never gets back in with the old token.
    expect(first.decommissioned).toBe(false);
    expect(first.appliedFlows().map((f) => f.id)).toEqual(['ping']);
    expect(first.syncStats()!.connects).toBe(connects);
    await eventually(async () => expect((await api.call('GET', '/agents/gw-rot')).body.online).toBe(false));

    await first.close();
    agents.splice(agents.indexOf(first), 1);
    const second = await runAgent('gw-rot', newToken);
    await eventually(() => expect(second.syncStats()?.state).toBe('ACTIVE'));
    await eventually(async () => {
      const { body } = await api.call('GET', '/agents/gw-rot');
      expect(body.online).toBe(true);
      expect(body.status.applied?.generation).toBe(body.status.desired.generation);
    });
    expect(second.appliedFlows().map((f) => f.id)).toEqual(['ping']);
    // Records flow again: an execution run on the agent reaches the hub.
    const run = await api.call('POST', '/executions/rekey/ping?agent=gw-rot');
    expect(run.status).toBe(202);
    const [executionId] = run.body.executionIds as string[];
    await eventually(async () =>
      expect((await api.call('GET', `/executions/${executionId}`)).body.state).toBe('SUCCESS'),
    );
  }, 60_000);
}
