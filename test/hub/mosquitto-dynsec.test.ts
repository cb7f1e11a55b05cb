/**
 * What docs/mosquitto.md promises of a Mosquitto whose logins the hub manages (`--broker-admin`, the
 * dynamic-security plugin): a registered agent connects and syncs, on its own topics only; a new token
 * (`POST /agents/{id}/token`) shuts the old one out and cuts its sessions; a decommissioned agent is cut
 * at once and refused; a token (registered or rotated) that failed to reach the broker is given once the
 * admin link is back; an agent registered, and one decommissioned, while the
 * admin link was down get their due when a restarted hub reconciles. A private Mosquitto 2, the
 * real hub on PGlite, and on PostgreSQL (agent messages then through a shared subscription, the waiting
 * token encrypted with the hub's secret key), real agents.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { type Agent, startAgent } from '../../agent/agent.js';
import type { Hub } from '../../hub/hub.js';
import { HubApiClient } from '../faults/hub-process.js';
import { startTestHub } from '../support/hub-api.js';
import { DYNSEC_ADMIN, dynsecPlugin, PrivateMosquitto } from '../support/mosquitto.js';
import { type FreshDatabase, freshDatabase } from '../support/postgres.js';
import { describeWithService } from '../support/services.js';

const ADMIN = 'tern_mosquitto_dynsec_admin_token_0123456789';
const SECRET_KEY = 'a passphrase for the dynsec test';
const eventually = <T>(check: () => T) => vi.waitFor(check, { timeout: 20_000, interval: 25 });

describeWithService('TERN_TEST_MQTT_URL', 'Mosquitto whose logins a hub on PGlite manages', () =>
  managedLoginSuite(async () => ({})),
);
describeWithService('TERN_TEST_PG_URL', 'Mosquitto whose logins a hub on PostgreSQL manages', (pgUrl) => {
  let db: FreshDatabase | undefined;
  afterAll(() => db?.drop(), 60_000);
  managedLoginSuite(async () => {
    db ??= await freshDatabase(pgUrl, 'tern_dynsec');
    return { dbUrl: db.url, secretKey: SECRET_KEY };
  });
});

/** `database` gives the hub's storage options (none: PGlite in its data folder). */
function managedLoginSuite(database: () => Promise<{ dbUrl?: string; secretKey?: string }>): void {
  const root = mkdtempSync(join(tmpdir(), 'tern-mosquitto-dynsec-'));
  let mosquitto: PrivateMosquitto;
  let hub: Hub;
  let api: HubApiClient;
  const agents: Agent[] = [];

  const startHubOn = async (adminUrl: string) => {
    hub = await startTestHub(join(root, 'hub'), ADMIN, {
      brokerUrl: mosquitto.hubUrl,
      brokerAdminUrl: adminUrl,
      ...(await database()),
    });
    api = new HubApiClient(hub.url, ADMIN);
  };

  const register = async (id: string): Promise<string> => {
    const { status, body } = await api.call('POST', '/agents', { id });
    expect(status).toBe(201);
    return body.token as string;
  };

  const runAgent = async (id: string, token: string): Promise<Agent> => {
    const agent = await startAgent({
      id,
      token,
      hubUrl: mosquitto.url,
      dataDir: join(root, `agent-${id}`),
      sync: { reconnectMinMs: 20, reconnectMaxMs: 200, lingerMs: 1 },
    });
    agents.push(agent);
    return agent;
  };

  /** The CONNACK return code for this login: 0 accepted, 5 not authorised. */
  const loginCode = async (username: string, password: string): Promise<number> => {
    try {
      const client = await mqtt.connectAsync(mosquitto.url, {
        username,
        password,
        clientId: `${username}-probe`,
        reconnectPeriod: 0,
        connectTimeout: 5000,
      });
      await client.endAsync(true);
      return 0;
    } catch (err) {
      return (err as { code?: number }).code ?? -1;
    }
  };

  /** A dynamic-security command as an operator runs it, with `mosquitto_ctrl`. */
  const dynsecCtl = (...command: string[]) =>
    execFileSync(
      'mosquitto_ctrl',
      [
        ...['-u', DYNSEC_ADMIN, '-P', 'admin-secret', '-p', String(mosquitto.port), '-h', '127.0.0.1'],
        ...['dynsec', ...command],
      ],
      { stdio: 'pipe' },
    );

  beforeAll(async () => {
    if (!dynsecPlugin()) throw new Error("Mosquitto's dynamic-security plugin is not installed");
    mosquitto = await PrivateMosquitto.start({
      dir: join(root, 'mosquitto'),
      hubPassword: 'hub-secret',
      dynsec: { adminPassword: 'admin-secret' },
    });
    // No tern-hub login exists yet: the hub creates its own before it connects.
    await startHubOn(mosquitto.adminUrl);
  }, 60_000);

  afterAll(async () => {
    for (const a of agents) await a.close();
    await hub?.close();
    await mosquitto?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('lets a registered agent connect and sync, on its own topics only', async () => {
    const token = await register('gw-1');
    const agent = await runAgent('gw-1', token);
    await eventually(() => expect(agent.syncStats()?.state).toBe('ACTIVE'));
    await eventually(async () => {
      const { body } = await api.call('GET', '/agents/gw-1');
      expect(body.online).toBe(true);
      expect(body.status.applied?.generation).toBe(body.status.desired.generation);
    });

    // The role holds the agent's rights only: another agent's topics and the hub's are refused.
    const probe = await mqtt.connectAsync(mosquitto.url, {
      username: 'gw-1',
      password: token,
      clientId: 'gw-1-probe',
      reconnectPeriod: 0,
      protocolVersion: 5,
    });
    try {
      await expect(probe.subscribeAsync('tern/v1/agents/gw-2/desired')).rejects.toThrow(/Not authorized/);
      await expect(probe.subscribeAsync('tern/v1/agents/+/events')).rejects.toThrow(/Not authorized/);
      expect(await probe.subscribeAsync('tern/v1/agents/gw-1/cmd')).toMatchObject([{ qos: 0 }]);
    } finally {
      await probe.endAsync(true);
    }
    expect(await loginCode('gw-1', 'not-the-token')).toBe(5);
  });

  it('shuts the old token out, and cuts its sessions, once the agent has a new one', async () => {
    const oldToken = await register('gw-rotate');
    const first = await runAgent('gw-rotate', oldToken);
    await eventually(() => expect(first.syncStats()?.state).toBe('ACTIVE'));
    const connects = first.syncStats()!.connects;

    const rotated = await api.call('POST', '/agents/gw-rotate/token');
    expect(rotated.status).toBe(200);
    const newToken = rotated.body.token as string;
    // Mosquitto ends the sessions of a client whose password changes; the old token gets no new one.
    await eventually(() => expect(first.syncStats()?.state).not.toBe('ACTIVE'));
    expect(await loginCode('gw-rotate', oldToken)).toBe(5);
    expect(first.syncStats()!.connects).toBe(connects);
    expect(first.decommissioned).toBe(false);
    await first.close();

    const second = await runAgent('gw-rotate', newToken);
    await eventually(() => expect(second.syncStats()?.state).toBe('ACTIVE'));
    await eventually(async () => {
      const { body } = await api.call('GET', '/agents/gw-rotate');
      expect(body.online).toBe(true);
      expect(body.status.applied?.generation).toBe(body.status.desired.generation);
    });
  });

  it('takes over a login that exists already, giving it the new token and the agent role', async () => {
    // Left from before, e.g. made by hand: the hub's createClient finds it, and re-keys it.
    dynsecCtl('createClient', 'gw-stale', '-p', 'old-password');
    const stale = await mqtt.connectAsync(mosquitto.url, {
      username: 'gw-stale',
      password: 'old-password',
      reconnectPeriod: 0,
    });
    const closed = new Promise<void>((resolve) => stale.once('close', () => resolve()));
    const token = await register('gw-stale');
    await closed;
    expect(await loginCode('gw-stale', 'old-password')).toBe(5);
    const agent = await runAgent('gw-stale', token);
    await eventually(() => expect(agent.syncStats()?.state).toBe('ACTIVE'));
  });

  it('cuts a decommissioned agent at once and refuses it from then on', async () => {
    const token = await register('gw-retired');
    const agent = await runAgent('gw-retired', token);
    await eventually(() => expect(agent.syncStats()?.state).toBe('ACTIVE'));
    const connects = agent.syncStats()!.connects;

    expect((await api.call('DELETE', '/agents/gw-retired')).status).toBe(204);
    await eventually(() => expect(agent.syncStats()?.state).not.toBe('ACTIVE'));
    expect(await loginCode('gw-retired', token)).toBe(5);
    // It keeps trying, and is refused each time.
    expect(agent.syncStats()!.connects).toBe(connects);
  });

  it('gives a token that failed to reach the broker as soon as the admin link is back', async () => {
    // The hub's own admin login, shut out for a while by the operator's.
    dynsecCtl('createClient', 'tern-admin-2', '-p', 'admin-2-secret');
    dynsecCtl('addClientRole', 'tern-admin-2', 'admin');
    await hub.close();
    await startHubOn(
      mosquitto.adminUrl.replace(`${DYNSEC_ADMIN}:admin-secret`, 'tern-admin-2:admin-2-secret'),
    );
    dynsecCtl('disableClient', 'tern-admin-2');
    const token = await register('gw-retry');
    expect(await loginCode('gw-retry', token)).toBe(5);

    dynsecCtl('enableClient', 'tern-admin-2');
    await eventually(async () => expect(await loginCode('gw-retry', token)).toBe(0));
    // Forgotten once the broker confirmed it (just after it answered).
    await eventually(async () => expect(await hub.storage.brokerLogins.get('gw-retry')).toBeUndefined());

    // A rotation while the link is down waits the same way; the broker takes the old token until then.
    dynsecCtl('disableClient', 'tern-admin-2');
    const rotated = await api.call('POST', '/agents/gw-retry/token');
    expect(rotated.status).toBe(200);
    expect(await hub.storage.brokerLogins.get('gw-retry')).toBeDefined();
    expect(await loginCode('gw-retry', rotated.body.token)).toBe(5);
    expect(await loginCode('gw-retry', token)).toBe(0);
    dynsecCtl('enableClient', 'tern-admin-2');
    await eventually(async () => expect(await loginCode('gw-retry', rotated.body.token)).toBe(0));
    expect(await loginCode('gw-retry', token)).toBe(5);
  });

  it('reconciles what changed while the admin link was down when the hub starts again', async () => {
    const goneToken = await register('gw-gone');
    await hub.close();
    // The admin login is wrong: the link stays down, the registration still succeeds.
    await startHubOn(mosquitto.adminUrl.replace('admin-secret', 'wrong'));
    const token = await register('gw-late');
    expect(await loginCode('gw-late', token)).toBe(5);
    expect((await api.call('DELETE', '/agents/gw-gone')).status).toBe(204);
    expect(await loginCode('gw-gone', goneToken)).toBe(0);
    const metrics = String((await api.call('GET', '/metrics')).body);
    expect(metrics).toMatch(/tern_broker_login_failures_total\{operation="password"\} 1/);
    expect(metrics).toMatch(/tern_broker_login_failures_total\{operation="delete"\} 1/);
    expect(metrics).toMatch(/tern_broker_logins_unconfirmed 2/);
    // The token waits for the broker, encrypted when the hub has a secret key.
    const waiting = await hub.storage.brokerLogins.get('gw-late');
    expect(waiting?.password.startsWith('v1:')).toBe((await database()).secretKey !== undefined);

    // A live agent's login lost from the broker: its token is the agent's alone, so it is reported, not made up.
    dynsecCtl('deleteClient', 'gw-rotate');
    await hub.close();
    await startHubOn(mosquitto.adminUrl);
    await eventually(async () => expect(await loginCode('gw-late', token)).toBe(0));
    expect(await loginCode('gw-gone', goneToken)).toBe(5);
    await eventually(async () =>
      expect(String((await api.call('GET', '/metrics')).body)).toMatch(/tern_broker_logins_missing 1/),
    );
    const agent = await runAgent('gw-late', token);
    await eventually(() => expect(agent.syncStats()?.state).toBe('ACTIVE'));
  });
}
