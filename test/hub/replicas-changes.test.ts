/**
 * Two hub replicas on one PostgreSQL database and one Mosquitto: what one
 * changes reaches the other through LISTEN/NOTIFY — a flow saved on A runs its
 * webhook on B and is published to agents once, KV keys and secrets written
 * on A are read on B, B's live streams show A's executions, and a token
 * revoked on A ends its streams on B; a namespace file saved on A reaches
 * agents once and is served by B.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Hub } from '../../hub/hub.js';
import { openDocument } from '../../protocol/signing.js';
import { agentTopic } from '../../protocol/topics.js';
import { apiCaller, openEventStream, startTestHub, until } from '../support/hub-api.js';
import { PrivateMosquitto } from '../support/mosquitto.js';
import { type FreshDatabase, freshDatabase } from '../support/postgres.js';
import { describeWithService, serviceAddress } from '../support/services.js';

const ADMIN = 'tern_replicas_changes_admin_token_0123';
const PASSWORD = 'replica-secret';
const SECRET_KEY = 'a passphrase of more than sixteen characters';

const hubFlow = (id: string) => `id: ${id}
namespace: replicas
triggers:
  - id: call
    type: webhook
    key: k-${id}-0123456789abcdef
tasks:
  - id: wait
    type: pause
    delay: PT1S
  - id: said
    type: log
    message: "done {{ execution.id }}"
`;

const agentFlow = `id: on-gateway
namespace: replicas
runsOn:
  agents: [gw-once]
tasks:
  - id: hello
    type: log
    message: hello
`;

describeWithService('TERN_TEST_MQTT_URL', 'hub replicas tell each other what changed', () => {
  const root = mkdtempSync(join(tmpdir(), 'tern-replica-changes-'));
  let db: FreshDatabase;
  let mosquitto: PrivateMosquitto;
  let a: Hub;
  let b: Hub;
  let watcher: MqttClient;

  beforeAll(async () => {
    const pg = serviceAddress('TERN_TEST_PG_URL');
    if (!pg) throw new Error('replicas need TERN_TEST_PG_URL');
    db = await freshDatabase(pg, 'tern_replica_changes');
    mosquitto = await PrivateMosquitto.start({
      dir: join(root, 'mosquitto'),
      hubPassword: PASSWORD,
      operators: ['tern-hub-2', 'tern-watch'].map((username) => ({ username, password: PASSWORD })),
    });
    const broker = (user: string) => `mqtt://${user}:${PASSWORD}@127.0.0.1:${mosquitto.port}`;
    const options = (user: string) => ({ dbUrl: db.url, brokerUrl: broker(user), secretKey: SECRET_KEY });
    a = await startTestHub(join(root, 'a'), ADMIN, options('tern-hub'));
    b = await startTestHub(join(root, 'b'), ADMIN, options('tern-hub-2'));
    watcher = await mqtt.connectAsync(mosquitto.url, { username: 'tern-watch', password: PASSWORD });
  }, 60_000);

  afterAll(async () => {
    await watcher?.endAsync();
    await a?.close();
    await b?.close();
    await mosquitto?.stop();
    await db?.drop();
    rmSync(root, { recursive: true, force: true });
  }, 60_000);

  it('runs the webhook of a flow saved on the other replica', async () => {
    expect((await apiCaller(a.url, ADMIN)('POST', '/flows', { yaml: hubFlow('hooked') })).status).toBe(201);
    await until(
      () => b.triggers.list().some((t) => t.flowId === 'hooked'),
      'B runs the triggers of the flow saved on A',
    );
    const res = await fetch(`${b.url}/api/v1/executions/webhook/replicas/hooked/k-hooked-0123456789abcdef`, {
      method: 'POST',
    });
    expect(res.status).toBe(200);
  });

  it('publishes a flow saved on one replica to its agents once', async () => {
    const desired: number[] = [];
    const count = (topic: string, payload: Buffer) => {
      const opened = openDocument(payload, topic);
      desired.push(opened.ok ? JSON.parse(opened.payload.toString()).generation : opened.reason);
    };
    watcher.on('message', count);
    await watcher.subscribeAsync(agentTopic('gw-once', 'desired'), { qos: 1 });
    expect((await apiCaller(a.url, ADMIN)('POST', '/agents', { json: { id: 'gw-once' } })).status).toBe(201);
    await until(() => desired.length === 1, 'the desired state of the registration');

    expect((await apiCaller(a.url, ADMIN)('POST', '/flows', { yaml: agentFlow })).status).toBe(201);
    await until(() => desired.length === 2, 'the desired state with the new flow');
    // B has handled both changes once it runs the triggers of a flow saved after them.
    expect((await apiCaller(a.url, ADMIN)('POST', '/flows', { yaml: hubFlow('later') })).status).toBe(201);
    await until(() => b.triggers.list().some((t) => t.flowId === 'later'), 'B saw the later flow');
    await b.fleet.idle();
    expect(desired).toEqual([1, 2]);
    watcher.off('message', count);
  });

  it('publishes a namespace file saved on one replica to its agents once, and serves it on the other', async () => {
    const published: Array<{ generation: number; files: string[] }> = [];
    watcher.on('message', (topic, payload) => {
      const opened = openDocument(payload, topic);
      if (!opened.ok) throw new Error(`a desired state the agent would refuse: ${opened.reason}`);
      const desired = JSON.parse(opened.payload.toString());
      const files = (desired.namespaceFiles ?? []).flatMap((n: { files: Array<{ content: string }> }) =>
        n.files.map((f) => Buffer.from(f.content, 'base64').toString()),
      );
      published.push({ generation: desired.generation, files });
    });
    const callA = apiCaller(a.url, ADMIN);
    const callB = apiCaller(b.url, ADMIN);
    const file = '/namespaces/replicas/files?path=query.sql';
    const plain = { 'content-type': 'text/plain' };
    const read = async () => (await callB('GET', file)).text;
    expect((await callA('PUT', file, { body: 'SELECT 1', headers: plain })).status).toBe(200);
    await until(async () => (await read()) === 'SELECT 1', 'B serves the file saved on A');
    expect((await callA('PUT', file, { body: 'SELECT 2', headers: plain })).status).toBe(200);
    await until(async () => (await read()) === 'SELECT 2', 'B serves the new revision');
    await until(
      () => published.some((p) => p.files.includes('SELECT 2')),
      'the agent is sent the new revision',
    );
    // B has handled both writes once it serves the second: had it published too, it would be here.
    await b.fleet.idle();
    await a.fleet.idle();
    expect(published.map((p) => p.files)).toEqual([['SELECT 1'], ['SELECT 2']]);
    expect((await callA('DELETE', file)).status).toBe(204);
    await until(async () => (await callB('GET', file)).status === 404, 'B forgets the deleted file');
  });

  it('reads on one replica the KV keys and secrets written on the other', async () => {
    a.engine.store.kv.set('replicas', 'reading', { temp: 21.5 });
    await until(() => b.engine.store.kv.get('replicas', 'reading') !== undefined, 'B reads the key');
    expect(b.engine.store.kv.get('replicas', 'reading')).toEqual({ temp: 21.5 });
    a.engine.store.kv.delete('replicas', 'reading');
    await until(() => b.engine.store.kv.get('replicas', 'reading') === undefined, 'B forgets the key');

    const put = await apiCaller(a.url, ADMIN)('PUT', '/secrets/replicas/TOKEN', {
      json: { value: 's3cret' },
    });
    expect(put.status).toBe(200);
    await until(() => b.engine.secrets.get('TOKEN', 'replicas') === 's3cret', 'B reads the secret');
  });

  it("shows on one replica's live streams the executions run on the other", async () => {
    const events = await openEventStream({ url: b.url, adminToken: ADMIN }, '/events');
    await events.until('ready');
    const started = await apiCaller(a.url, ADMIN)('POST', '/executions/replicas/hooked');
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    const follow = await openEventStream({ url: b.url, adminToken: ADMIN }, `/executions/${id}/follow`);
    expect(follow.status).toBe(200);
    const followed = await follow.until('end');
    expect(followed.at(-1)!.data).toEqual({ id, state: 'SUCCESS' });
    expect(followed.some((e) => e.event === 'log' && e.data.message === `done ${id}`)).toBe(true);
    for (;;) {
      const e = await events.next();
      if (e.event === 'execution' && e.data.id === id && e.data.state === 'SUCCESS') break;
    }
    events.close();
    follow.close();
  });

  it('ends at once the streams on one replica of a token revoked through the other', async () => {
    const created = await apiCaller(a.url, ADMIN)('POST', '/tokens', { json: { name: 'dashboard' } });
    expect(created.status).toBe(201);
    const stream = await openEventStream({ url: b.url, adminToken: ADMIN }, '/events', created.body.token);
    expect((await stream.next()).event).toBe('ready');
    expect((await apiCaller(a.url, ADMIN)('DELETE', `/tokens/${created.body.info.id}`)).status).toBe(204);
    // Heartbeats come every 15 s: the stream ends long before the first one, with nothing else sent.
    const ended = await stream.next().then(
      (e) => `still open: ${e.event}`,
      () => 'ended',
    );
    expect(ended).toBe('ended');
  });
});
