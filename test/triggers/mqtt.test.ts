/**
 * The `mqtt` trigger and `mqtt.publish` against real brokers: the agent's
 * embedded aedes broker, and Mosquitto (TERN_TEST_MQTT_URL). Each test uses
 * its own topic prefix, since Mosquitto is shared and keeps retained messages.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalBroker, startLocalBroker } from '../../agent/local-broker.js';
import { CONNECTIONS_KEY, MqttConnections, writeNow } from '../../plugins/mqtt/connections.js';
import { RuntimeHost } from '../../runtime/engine/plugin-host.js';
import type { TriggerQueueOptions } from '../../runtime/triggers/queue.js';
import { describeWithService } from '../support/services.js';
import { eventually, startedCount, type TriggerRig, triggerRig } from './harness.js';

function mqttSuite(url: () => string) {
  const rigs: TriggerRig[] = [];
  const clients: MqttClient[] = [];
  const retained: string[] = [];

  afterEach(async () => {
    const publisher = await client();
    // Leave nothing retained behind on a shared broker.
    for (const topic of retained.splice(0)) await publisher.publishAsync(topic, '', { retain: true, qos: 1 });
    for (const r of rigs.splice(0)) await r.close();
    for (const c of clients.splice(0)) await c.endAsync();
  });

  async function client(): Promise<MqttClient> {
    const c = await mqtt.connectAsync(url(), { protocolVersion: 4, reconnectPeriod: 0 });
    clients.push(c);
    return c;
  }

  async function publish(topic: string, payload: string | object, retain = false): Promise<void> {
    const c = clients[0] ?? (await client());
    if (retain) retained.push(topic);
    await c.publishAsync(topic, typeof payload === 'string' ? payload : JSON.stringify(payload), {
      qos: 1,
      retain,
    });
  }

  /** A rig whose default MQTT server is the broker under test, with the flows deployed and subscribed. */
  async function rigWith(
    yamls: string[],
    dir?: string,
    queue?: Partial<TriggerQueueOptions>,
  ): Promise<TriggerRig> {
    const r = triggerRig({ host: new RuntimeHost({ mqtt: { url: url() } }), dir, queue });
    rigs.push(r);
    await r.deploy(...yamls);
    await subscribed(r, yamls.length);
    return r;
  }

  const subscribed = (r: TriggerRig, n: number) =>
    eventually(() =>
      expect(r.logs.filter((l) => l.message.startsWith('subscribed to')).length).toBeGreaterThanOrEqual(n),
    );

  const onMessage = (topic: string | string[], extra = '', id = 'on-message') => `id: ${id}
namespace: test.mqtt
triggers:
  - id: message
    type: mqtt
    topic: ${JSON.stringify(topic)}
${extra}tasks:
  - id: hello
    type: log
    message: "{{ trigger.topic }}"
`;

  const fresh = () => `t-${randomBytes(4).toString('hex')}`;

  /** A flow whose executions each hold in a pause for `delay`. */
  const slow = (topic: string, delay: string) =>
    onMessage(topic).replace(
      /tasks:[\s\S]*$/,
      `tasks:\n  - id: hold\n    type: pause\n    delay: ${delay}\n`,
    );

  it('holds messages in the broker while the trigger queue is full (whenFull: wait), losing none', async () => {
    const p = fresh();
    const r = await rigWith([slow(`${p}/in`, 'PT0.3S')], undefined, { capacity: 1, whenFull: 'wait' });
    for (const n of [1, 2, 3]) await publish(`${p}/in`, { n });
    const [first] = await startedCount(r, 1);
    // The other two are not piling up in the runtime: unacknowledged, they wait in the broker.
    expect(r.triggers.queue.waitingCount).toBe(0);
    const all = await startedCount(r, 3);
    expect(all.map((e) => (e.trigger as { payload: { n: number } }).payload.n)).toEqual([1, 2, 3]);
    // One at a time: each started once the one before had ended.
    for (let i = 1; i < all.length; i++) {
      const before = await r.fx.engine.wait(all[i - 1]!.id);
      expect(all[i]!.startDate >= before.endDate!).toBe(true);
    }
    expect(first?.state).toBe('CREATED');
    expect(r.triggers.status()[0]).toMatchObject({ fired: 3, dropped: 0 });
    await r.fx.engine.idle();
  });

  it('keeps going when the trigger queue is full of executions that publish to the same broker', async () => {
    const p = fresh();
    // Each execution ends only once the broker has acknowledged its publish: with the
    // subscription held, that acknowledgement must still get through.
    const relay = onMessage(`${p}/in`).replace(
      /tasks:[\s\S]*$/,
      `tasks:\n  - id: out\n    type: mqtt.publish\n    topic: ${p}/out/{{ trigger.payload.n }}\n    from: "{{ trigger.payload.n }}"\n`,
    );
    const r = await rigWith([relay], undefined, { capacity: 2, whenFull: 'wait' });
    const listener = await client();
    const out = new Set<string>();
    listener.on('message', (_t, payload) => out.add(`${payload}`));
    await listener.subscribeAsync(`${p}/out/#`, { qos: 1 });
    const sender = await client();
    const total = 40;
    await Promise.all(
      Array.from({ length: total }, (_, n) =>
        sender.publishAsync(`${p}/in`, JSON.stringify({ n }), { qos: 1 }),
      ),
    );
    await eventually(() => expect(out.size).toBe(total), 15_000);
    expect(r.triggers.status()[0]).toMatchObject({ fired: total, dropped: 0 });
    await r.fx.engine.idle();
  });

  it('drops messages that find the trigger queue full (whenFull: drop) and counts them', async () => {
    const p = fresh();
    const r = await rigWith([slow(`${p}/in`, 'PT30S')], undefined, { capacity: 1, whenFull: 'drop' });
    for (const n of [1, 2, 3]) await publish(`${p}/in`, { n });
    await eventually(() => expect(r.triggers.status()[0]?.dropped).toBe(2));
    expect(r.started.map((e) => (e.trigger as { payload: { n: number } }).payload.n)).toEqual([1]);
    expect(r.triggers.status()[0]?.lastError?.message).toMatch(/trigger queue is full/);
    for (const e of r.started) r.fx.engine.kill(e.id);
    await r.fx.engine.idle();
  });

  it('starts one execution per message, with topic, payload, qos and retain', async () => {
    const p = fresh();
    const r = await rigWith([onMessage(`${p}/sensors/+/temp`)]);
    await publish(`${p}/sensors/cold-room/temp`, { celsius: 9 });
    const [e] = await startedCount(r, 1);
    expect(e?.trigger).toEqual({
      topic: `${p}/sensors/cold-room/temp`,
      payload: { celsius: 9 },
      qos: 1,
      retain: false,
    });
    const done = await r.fx.engine.wait(e!.id);
    expect(done.state).toBe('SUCCESS');
  });

  it('matches + and # wildcards and lists of topics, and nothing else', async () => {
    const p = fresh();
    const r = await rigWith([onMessage([`${p}/a/+/temp`, `${p}/b/#`])]);
    for (const topic of [
      `${p}/a/x/temp`,
      `${p}/a/x/humidity`,
      `${p}/b`,
      `${p}/b/c/d`,
      `${p}/c`,
      `${p}/a/x/y/temp`,
    ])
      await publish(topic, '1');
    await publish(`${p}/b/end`, '1');
    await startedCount(r, 4);
    expect(r.started.map((e) => e.trigger?.topic)).toEqual([
      `${p}/a/x/temp`,
      `${p}/b`,
      `${p}/b/c/d`,
      `${p}/b/end`,
    ]);
  });

  it('starts nothing for a message whose conditions are false', async () => {
    const p = fresh();
    const r = await rigWith([
      onMessage(`${p}/t`, '    conditions:\n      - "{{ trigger.payload.celsius > 8 }}"\n'),
    ]);
    for (const celsius of [5, 9, 3, 12]) await publish(`${p}/t`, { celsius });
    await startedCount(r, 2);
    await publish(`${p}/t`, { celsius: 20 });
    await startedCount(r, 3);
    expect(r.started.map((e) => (e.trigger?.payload as { celsius?: number } | undefined)?.celsius)).toEqual([
      9, 12, 20,
    ]);
  });

  it('gives the payload as text with serdeType: STRING', async () => {
    const p = fresh();
    const r = await rigWith([onMessage(`${p}/t`, '    serdeType: STRING\n')]);
    await publish(`${p}/t`, '{"not": "parsed"}');
    const [e] = await startedCount(r, 1);
    expect(e?.trigger?.payload).toBe('{"not": "parsed"}');
  });

  it('logs a payload that is not JSON, starts nothing for it, and keeps going', async () => {
    const p = fresh();
    const r = await rigWith([onMessage(`${p}/t`)]);
    await publish(`${p}/t`, 'celsius=9');
    await publish(`${p}/t`, { celsius: 9 });
    await startedCount(r, 1);
    expect(r.started.map((e) => e.trigger?.payload)).toEqual([{ celsius: 9 }]);
    const error = r.logs.find((l) => l.level === 'error');
    expect(error?.message).toMatch(
      new RegExp(`message on ${p}/t dropped: payload is not valid JSON.*celsius=9`),
    );
  });

  it('starts no second execution for a retained message replayed after a restart or a reconnect', async () => {
    const p = fresh();
    await publish(`${p}/state`, { on: true }, true);
    const first = await rigWith([onMessage(`${p}/#`)]);
    const [e] = await startedCount(first, 1);
    expect(e?.trigger).toMatchObject({ payload: { on: true }, retain: true });
    await first.fx.engine.idle();

    // A reconnect: the broker sends the retained message again on resubscription.
    const pool = first.fx.engine.host.shared(CONNECTIONS_KEY, () => new MqttConnections());
    const lease = pool.lease({ url: url() });
    const seen = first.logs.length;
    (lease.client.stream as Socket).destroy();
    await eventually(() => expect(lease.client.connected).toBe(true));
    await eventually(() =>
      expect(first.logs.slice(seen).some((l) => l.message === 'trigger event already fired; dropped')).toBe(
        true,
      ),
    );
    await lease.release();
    expect(first.started).toHaveLength(1);

    // A restart: new process, same local state.
    rigs.splice(rigs.indexOf(first), 1);
    await first.close(true);
    const again = await rigWith([onMessage(`${p}/#`)], first.dir);
    await publish(`${p}/marker`, '1');
    const [marker] = await startedCount(again, 1);
    expect(marker?.trigger?.topic).toBe(`${p}/marker`);
    await publish(`${p}/state`, { on: false }, true);
    await startedCount(again, 2);
    expect(again.started.map((x) => x.trigger?.payload)).toEqual([1, { on: false }]);
  });

  it('still starts an execution for a live message that repeats the last payload', async () => {
    const p = fresh();
    const r = await rigWith([onMessage(`${p}/t`)]);
    await publish(`${p}/t`, { on: true });
    await publish(`${p}/t`, { on: true });
    await startedCount(r, 2);
  });

  it('publishes a string as it is and a map as JSON, retained when asked, on a connection the publishes share', async () => {
    const p = fresh();
    const r = await rigWith([onMessage(`${p}/in/a`), onMessage(`${p}/in/b`, '', 'second')]);
    retained.push(`${p}/out/state`);
    const listener = await client();
    const received: { topic: string; payload: string; retain: boolean }[] = [];
    listener.on('message', (topic, payload, packet) =>
      received.push({ topic, payload: payload.toString(), retain: packet.retain }),
    );
    await listener.subscribeAsync(`${p}/out/text`, { qos: 1 });
    const run = await r.fx.run(`id: publisher
namespace: test.mqtt
tasks:
  - id: text
    type: mqtt.publish
    topic: ${p}/out/text
    from: "plain {{ flow.id }}"
  - id: state
    type: io.kestra.plugin.mqtt.Publish
    topic: ${p}/out/state
    from:
      state: "ON"
      level: 3
    retain: true
`);
    expect(run.execution.state).toBe('SUCCESS');
    expect(run.run('state').outputs).toEqual({ messagesCount: 1 });
    await eventually(() =>
      expect(received).toEqual([{ topic: `${p}/out/text`, payload: 'plain publisher', retain: false }]),
    );
    const late = await client();
    const got = new Promise<{ payload: string; retain: boolean }>((resolve) =>
      late.on('message', (_t, payload, packet) =>
        resolve({ payload: payload.toString(), retain: packet.retain }),
      ),
    );
    await late.subscribeAsync(`${p}/out/state`, { qos: 1 });
    expect(await got).toEqual({ payload: '{"state":"ON","level":3}', retain: true });
    const pool = r.fx.engine.host.shared(CONNECTIONS_KEY, () => new MqttConnections());
    // The two triggers share one connection, the two publishes another.
    expect(pool.size).toBe(2);
  });

  it('hands a publish to the socket at once, not after the continuations queued behind it', async () => {
    const pool = new MqttConnections();
    const lease = pool.lease({ url: url() });
    try {
      await lease.ready(10_000);
      const topic = `${fresh()}/now`;
      const listener = await client();
      const got = new Promise<string>((resolve) =>
        listener.on('message', (_t, payload) => resolve(`${payload}`)),
      );
      await listener.subscribeAsync(topic, { qos: 1 });
      const socket = lease.client.stream as Socket;
      const acknowledged = lease.client.publishAsync(topic, 'now', { qos: 1 });
      // mqtt-packet corks the socket and would uncork it on the next tick.
      expect(socket.writableCorked).toBeGreaterThan(0);
      writeNow(lease.client);
      expect(socket.writableCorked).toBe(0);
      expect(socket.writableLength).toBe(0);
      await acknowledged;
      expect(await got).toBe('now');
    } finally {
      await lease.release();
      await pool.close();
    }
  });

  it('follows a flow whose topic changes, and stops when the flow goes away', async () => {
    const p = fresh();
    const r = await rigWith([onMessage(`${p}/old`)]);
    const changed = r.fx.flow(onMessage(`${p}/new`).replace('namespace:', 'revision: 2\nnamespace:'));
    await r.triggers.sync([changed]);
    await subscribed(r, 2);
    await publish(`${p}/old`, '1');
    await publish(`${p}/new`, '2');
    const [e] = await startedCount(r, 1);
    expect(e?.trigger?.topic).toBe(`${p}/new`);
    await r.triggers.sync([]);
    await publish(`${p}/new`, '3');
    await publish(`${p}/old`, '4');
    // A marker flow proves the messages above had their chance to arrive.
    await r.triggers.sync([r.fx.flow(onMessage(`${p}/marker`, '', 'marker'))]);
    await subscribed(r, 3);
    await publish(`${p}/marker`, '5');
    await startedCount(r, 2);
    expect(r.started.map((x) => x.trigger?.topic)).toEqual([`${p}/new`, `${p}/marker`]);
  });
}

describe('mqtt on the embedded broker', () => {
  let broker: LocalBroker;
  beforeAll(async () => {
    broker = await startLocalBroker({ port: 0 });
  });
  afterAll(() => broker.close());
  mqttSuite(() => broker.url);

  it('fails a publish task with no server and no local broker, saying what to do', async () => {
    const r = triggerRig();
    try {
      const run = await r.fx.run(
        'id: p\nnamespace: test.mqtt\ntasks:\n  - id: out\n    type: mqtt.publish\n    topic: a/b\n    from: x\n',
      );
      expect(run.execution.state).toBe('FAILED');
      expect(run.messages('out').join('\n')).toMatch(/no `server` given.*--local-broker/);
    } finally {
      await r.close();
    }
  });
});

describeWithService('TERN_TEST_MQTT_URL', 'mqtt on Mosquitto', (url) => {
  mqttSuite(() => url);
});
