/**
 * `GET /api/v1/info` on a real hub: the URLs agents reach its embedded broker
 * by (an agent given the first one joins), a wildcard bind named by the host
 * the request was sent to, an external broker's URL without credentials.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Agent, startAgent } from '../../agent/agent.js';
import type { Hub } from '../../hub/hub.js';
import { apiCaller, startTestHub, until } from '../support/hub-api.js';
import { describeWithService } from '../support/services.js';

const ADMIN = 'tern_info_api_admin_token_0123456789';
const root = mkdtempSync(join(tmpdir(), 'tern-api-info-'));
const hubs: Hub[] = [];
const agents: Agent[] = [];

afterAll(async () => {
  for (const agent of agents) await agent.close();
  for (const hub of hubs) await hub.close();
  rmSync(root, { recursive: true, force: true });
}, 60_000);

async function hubWith(name: string, options: Parameters<typeof startTestHub>[2] = {}): Promise<Hub> {
  const hub = await startTestHub(join(root, name), ADMIN, options);
  hubs.push(hub);
  return hub;
}

/** GET /api/v1/info over plain HTTP on loopback, with `host` as the Host header. */
function infoAs(port: number, host: string): Promise<{ status: number; body: { agentUrls: string[] } }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/api/v1/info', headers: { host, authorization: `Bearer ${ADMIN}` } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('GET /info', () => {
  it('gives the embedded broker on loopback, MQTT before WebSocket; an agent given the first URL joins', async () => {
    const hub = await hubWith('loopback');
    const call = apiCaller(hub.url, ADMIN);
    const info = await call('GET', '/info');
    expect(info.status).toBe(200);
    expect(info.body).toEqual({
      version: expect.any(String),
      agentUrls: [`mqtt://127.0.0.1:${hub.mqttPort}`, `ws://127.0.0.1:${hub.port}/mqtt`],
    });
    const registered = await call('POST', '/agents', { json: { id: 'gw-info', labels: {} } });
    agents.push(
      await startAgent({
        id: 'gw-info',
        token: registered.body.token,
        hubUrl: info.body.agentUrls[0],
        dataDir: join(root, 'gw-info'),
        closeGraceMs: 2000,
        sync: { reconnectMinMs: 20, reconnectMaxMs: 200, lingerMs: 1 },
      }),
    );
    await until(
      async () => (await call('GET', '/agents/gw-info')).body.online === true,
      'the agent is online',
    );
  });

  it('names listeners bound to every interface by the host the request was sent to', async () => {
    const hub = await hubWith('wildcard', { host: '0.0.0.0', mqttHost: '0.0.0.0' });
    const info = await infoAs(hub.port, `hub.plant.lan:${hub.port}`);
    expect(info.status).toBe(200);
    expect(info.body.agentUrls).toEqual([
      `mqtt://hub.plant.lan:${hub.mqttPort}`,
      `ws://hub.plant.lan:${hub.port}/mqtt`,
    ]);
  });

  it('answers 401 without a token, and is in the OpenAPI document', async () => {
    const hub = await hubWith('openapi');
    const call = apiCaller(hub.url, ADMIN);
    expect((await call('GET', '/info', { token: null })).status).toBe(401);
    const doc = await call('GET', '/openapi.json');
    expect(doc.body.paths['/api/v1/info'].get).toMatchObject({ operationId: 'hubInfo' });
    const schema = JSON.stringify(doc.body.paths['/api/v1/info'].get.responses['200']);
    expect(schema).toContain('agentUrls');
  });
});

describeWithService('TERN_TEST_MQTT_URL', 'GET /info with an external broker', (brokerUrl) => {
  it("gives the broker's URL, without the credentials the hub connects with", async () => {
    const url = new URL(brokerUrl);
    url.username = 'tern-hub';
    url.password = 'not-for-agents';
    const hub = await hubWith('external', { brokerUrl: url.toString() });
    const info = await apiCaller(hub.url, ADMIN)('GET', '/info');
    expect(info.body.agentUrls).toEqual([`mqtt://${url.hostname}:${url.port}`]);
    expect(info.text).not.toContain('not-for-agents');
  });
});
