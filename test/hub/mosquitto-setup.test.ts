/**
 * What docs/mosquitto.md promises of a Mosquitto set up as it says: a CONNECT
 * declaring 256 MB is cut at its header, and a decommissioned agent is shut
 * out once its login is removed and Mosquitto reloaded. A private Mosquitto,
 * the real hub (PGlite) on it, and a real agent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { type Agent, startAgent } from '../../agent/agent.js';
import type { Hub } from '../../hub/hub.js';
import { HubApiClient } from '../faults/hub-process.js';
import { startTestHub } from '../support/hub-api.js';
import { PrivateMosquitto } from '../support/mosquitto.js';
import { closedWithin, floodConnect, openSocket } from '../support/mqtt-flood.js';
import { describeWithService } from '../support/services.js';

const ADMIN = 'tern_mosquitto_setup_admin_token_0123456789';
const MiB = 1024 * 1024;

describeWithService('TERN_TEST_MQTT_URL', 'Mosquitto set up as docs/mosquitto.md says', () => {
  const root = mkdtempSync(join(tmpdir(), 'tern-mosquitto-setup-'));
  let mosquitto: PrivateMosquitto;
  let hub: Hub;
  const agents: Agent[] = [];

  beforeAll(async () => {
    mosquitto = await PrivateMosquitto.start({ dir: join(root, 'mosquitto'), hubPassword: 'hub-secret' });
    hub = await startTestHub(join(root, 'hub'), ADMIN, { brokerUrl: mosquitto.hubUrl });
  }, 60_000);

  afterAll(async () => {
    for (const a of agents) await a.close();
    await hub?.close();
    await mosquitto?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('cuts a CONNECT declaring 256 MB at its header, before any login', async () => {
    const socket = await openSocket(mosquitto.port);
    const sent = await floodConnect(socket, 64 * MiB);
    expect(await closedWithin(socket, 5000)).toBe(true);
    expect(sent).toBeLessThan(64 * MiB);
  });

  it('keeps a decommissioned agent connected until its login is removed, then shuts it out', async () => {
    const api = new HubApiClient(hub.url, ADMIN);
    const { body } = await api.call('POST', '/agents', { id: 'gw-retired' });
    await mosquitto.addUser('gw-retired', body.token);
    const agent = await startAgent({
      id: 'gw-retired',
      token: body.token,
      hubUrl: mosquitto.url,
      dataDir: join(root, 'gw-retired'),
      sync: { reconnectMinMs: 20, reconnectMaxMs: 200, lingerMs: 1 },
    });
    agents.push(agent);
    const eventually = <T>(check: () => T) => vi.waitFor(check, { timeout: 15_000, interval: 20 });
    await eventually(() => expect(agent.syncStats()?.state).toBe('ACTIVE'));

    expect((await api.call('DELETE', '/agents/gw-retired')).status).toBe(204);
    await eventually(() => expect(agent.decommissioned).toBe(true));
    expect(agent.syncStats()?.state).toBe('ACTIVE');

    const connects = agent.syncStats()!.connects;
    mosquitto.removeUser('gw-retired');
    await eventually(() => expect(agent.syncStats()?.state).not.toBe('ACTIVE'));
    await expect(
      mqtt.connectAsync(mosquitto.url, {
        username: 'gw-retired',
        password: body.token,
        clientId: 'gw-retired',
        reconnectPeriod: 0,
      }),
    ).rejects.toMatchObject({ code: 5 });
    expect(agent.syncStats()!.connects).toBe(connects);
  });
});
