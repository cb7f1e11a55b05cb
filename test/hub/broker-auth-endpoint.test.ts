/**
 * The hub's side of EMQX's HTTP authentication/authorization and VerneMQ's
 * webhooks, over real HTTP against a real hub (PGlite, and PostgreSQL when
 * given). Neither broker runs here: the requests are the ones their
 * documentation says they send.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../hub/hub.js';
import { agentTopic } from '../../protocol/topics.js';
import { type ApiResponse, apiCaller, type CallOptions, startTestHub } from '../support/hub-api.js';
import { type FreshDatabase, freshDatabase } from '../support/postgres.js';
import { describeWithService } from '../support/services.js';

const ADMIN = 'tern_broker_auth_admin_token_0123456789';
const SECRET = 'broker-secret-0123456789';
const bearer = { authorization: `Bearer ${SECRET}` };
const basic = (password: string) => ({
  authorization: `Basic ${Buffer.from(`vernemq:${password}`).toString('base64')}`,
});

function brokerAuthSuite(database: () => Promise<{ dbUrl?: string; drop?: () => Promise<void> }>) {
  const root = mkdtempSync(join(tmpdir(), 'tern-broker-auth-'));
  let hub: Hub;
  let off: Hub;
  let drop: (() => Promise<void>) | undefined;
  let call: ReturnType<typeof apiCaller>;
  /** A broker's call: no API token, the broker secret in its headers. */
  const broker = (path: string, json: unknown, headers: Record<string, string> = bearer) =>
    call('POST', path, { token: null, json, headers } satisfies CallOptions);
  const verne = (hook: string, json: unknown, headers: Record<string, string> = basic(SECRET)) =>
    broker('/broker/vernemq', json, { ...headers, 'vernemq-hook': hook });
  let token = '';

  beforeAll(async () => {
    const db = await database();
    drop = db.drop;
    const storage = db.dbUrl ? { dbUrl: db.dbUrl } : {};
    hub = await startTestHub(join(root, 'hub'), ADMIN, { ...storage, brokerAuthSecret: SECRET });
    off = await startTestHub(join(root, 'off'), ADMIN);
    call = apiCaller(hub.url, ADMIN);
    const registered = await call('POST', '/agents', { json: { id: 'gw-01' } });
    expect(registered.status).toBe(201);
    token = registered.body.token;
    expect((await call('POST', '/agents', { json: { id: 'gw-gone' } })).status).toBe(201);
    expect((await call('DELETE', '/agents/gw-gone')).status).toBe(204);
  }, 60_000);

  afterAll(async () => {
    await hub?.close();
    await off?.close();
    await drop?.();
    rmSync(root, { recursive: true, force: true });
  }, 60_000);

  const result = (res: ApiResponse) => {
    expect(res.status).toBe(200);
    return res.body.result;
  };

  it('EMQX authentication: allow for an agent with its token, deny otherwise, ignore for other logins', async () => {
    const login = (username: string, password: string, clientid = username) =>
      broker('/broker/emqx/authenticate', { username, password, clientid });
    const allowed = await login('gw-01', token);
    expect(allowed.body).toEqual({ result: 'allow', is_superuser: false });
    expect(result(await login('gw-01', token, 'gw-01:sync'))).toBe('allow');
    expect(result(await login('gw-01', 'wrong'))).toBe('deny');
    expect(result(await login('gw-01', token, 'gw-02'))).toBe('deny');
    expect(result(await login('gw-gone', token))).toBe('deny');
    expect(result(await login('tern-hub-2', 'its-password'))).toBe('ignore');
  });

  it('EMQX authorization: the topics the embedded broker gives an agent, none to a decommissioned one', async () => {
    const may = (username: string, action: string, topic: string) =>
      broker('/broker/emqx/authorize', { username, clientid: username, action, topic });
    expect(result(await may('gw-01', 'publish', agentTopic('gw-01', 'events')))).toBe('allow');
    expect(result(await may('gw-01', 'publish', agentTopic('gw-02', 'events')))).toBe('deny');
    expect(result(await may('gw-01', 'publish', agentTopic('gw-01', 'ack')))).toBe('deny');
    expect(result(await may('gw-01', 'subscribe', agentTopic('gw-01', 'desired')))).toBe('allow');
    expect(result(await may('gw-01', 'subscribe', 'tern/v1/agents/+/desired'))).toBe('deny');
    expect(result(await may('gw-01', 'publish', 'tern/v1/data/plant1/temp'))).toBe('allow');
    expect(result(await may('gw-gone', 'publish', agentTopic('gw-gone', 'events')))).toBe('deny');
    expect(result(await may('tern-hub-2', 'subscribe', '$share/tern-hub/tern/v1/agents/+/events'))).toBe(
      'ignore',
    );
  });

  it('VerneMQ auth_on_register: ok, an error, or next, for MQTT 3 and 5', async () => {
    const register = (hook: string, username: string | null, password: string, client_id: string) =>
      verne(hook, { peer_addr: '127.0.0.1', peer_port: 8888, mountpoint: '', username, password, client_id });
    for (const hook of ['auth_on_register', 'auth_on_register_m5']) {
      expect((await register(hook, 'gw-01', token, 'gw-01')).body).toEqual({ result: 'ok' });
      expect((await register(hook, 'gw-01', 'wrong', 'gw-01')).body).toEqual({
        result: { error: 'invalid_credentials' },
      });
      expect((await register(hook, 'gw-gone', token, 'gw-gone')).body.result).toEqual({
        error: 'invalid_credentials',
      });
      expect((await register(hook, 'tern-hub', 'x', 'tern-hub')).body).toEqual({ result: 'next' });
      expect((await register(hook, null, '', 'anonymous')).body).toEqual({ result: 'next' });
    }
  });

  it('VerneMQ auth_on_publish: ok on its own topics, not_allowed elsewhere', async () => {
    const publish = (topic: string) =>
      verne('auth_on_publish', {
        username: 'gw-01',
        client_id: 'gw-01',
        mountpoint: '',
        qos: 1,
        topic,
        payload: 'e30=',
        retain: false,
      });
    expect((await publish(agentTopic('gw-01', 'status'))).body).toEqual({ result: 'ok' });
    expect((await publish(agentTopic('gw-01', 'cmd'))).body).toEqual({ result: { error: 'not_allowed' } });
  });

  it('VerneMQ auth_on_subscribe: refused filters at QoS 128 (135 for MQTT 5), the others granted', async () => {
    const topics = [
      { topic: agentTopic('gw-01', 'desired'), qos: 1 },
      { topic: 'tern/v1/agents/#', qos: 1 },
    ];
    const v3 = await verne('auth_on_subscribe', {
      username: 'gw-01',
      client_id: 'gw-01',
      mountpoint: '',
      topics,
    });
    expect(v3.body).toEqual({ result: 'ok', topics: [topics[0], { topic: 'tern/v1/agents/#', qos: 128 }] });
    const v5 = await verne('auth_on_subscribe_m5', {
      username: 'gw-01',
      client_id: 'gw-01',
      mountpoint: '',
      topics,
      properties: {},
    });
    expect(v5.body).toEqual({
      result: 'ok',
      modifiers: { topics: [topics[0], { topic: 'tern/v1/agents/#', qos: 135 }] },
    });
    const own = await verne('auth_on_subscribe', { username: 'gw-01', topics: [topics[0]] });
    expect(own.body).toEqual({ result: 'ok' });
  });

  it('a decommission is effective at the next call: no cached verdict', async () => {
    const agent = await call('POST', '/agents', { json: { id: 'gw-later' } });
    const login = () =>
      broker('/broker/emqx/authenticate', {
        username: 'gw-later',
        password: agent.body.token,
        clientid: 'gw-later',
      });
    expect(result(await login())).toBe('allow');
    expect((await call('DELETE', '/agents/gw-later')).status).toBe(204);
    expect(result(await login())).toBe('deny');
  });

  it('refuses a call without the secret or with a wrong one (401), and an unknown hook (400)', async () => {
    const body = { username: 'gw-01', password: token, clientid: 'gw-01' };
    expect((await broker('/broker/emqx/authenticate', body, {})).status).toBe(401);
    expect((await broker('/broker/emqx/authenticate', body, { authorization: 'Bearer nope' })).status).toBe(
      401,
    );
    expect((await verne('auth_on_register', body, basic('nope'))).status).toBe(401);
    // The admin's API token is not the broker's secret.
    expect(
      (await broker('/broker/emqx/authenticate', body, { authorization: `Bearer ${ADMIN}` })).status,
    ).toBe(401);
    const unknown = await verne('on_deliver', { username: 'gw-01' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('on_deliver');
  });

  it('a hub started without a secret refuses every call, saying how to turn them on', async () => {
    const res = await apiCaller(off.url, ADMIN)('POST', '/broker/emqx/authenticate', {
      token: null,
      json: { username: 'gw-01', password: token, clientid: 'gw-01' },
      headers: bearer,
    });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('--broker-auth-secret');
  });
}

describe('broker auth endpoint for EMQX and VerneMQ (PGlite)', () => brokerAuthSuite(async () => ({})));

describeWithService('TERN_TEST_PG_URL', 'broker auth endpoint for EMQX and VerneMQ (PostgreSQL)', (url) => {
  brokerAuthSuite(async () => {
    const db: FreshDatabase = await freshDatabase(url, 'tern_broker_auth');
    return { dbUrl: db.url, drop: () => db.drop() };
  });
});
