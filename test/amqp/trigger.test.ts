/**
 * The `amqp` trigger against the real RabbitMQ service (TERN_TEST_AMQP_URL): in a
 * trigger runtime (as an agent runs it) one execution per message with Kestra's
 * message variables; a connection lost after the execution started but before
 * the acknowledgement reached the broker brings the message back, without a
 * second execution; and on the hub, flows posted to its API.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqplib from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../hub/hub.js';
import type { Execution } from '../../protocol/execution.js';
import { parseOrThrow } from '../support/engine.js';
import { startTestHub } from '../support/hub-api.js';
import { describeWithService } from '../support/services.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { eventually, type TriggerRig, triggerRig } from '../triggers/harness.js';

const ADMIN = 'amqp-trigger-admin';

describe('amqp trigger properties', () => {
  const trigger = (connection: string) => `id: on-message
namespace: test.amqp
triggers:
  - id: messages
    type: amqp
    queue: orders
${connection}tasks:
  - id: show
    type: log
    message: "{{ trigger.data }}"
`;

  it('refuses a flow that names no broker, or both a url and a host', () => {
    expect(() => parseOrThrow(trigger(''))).toThrow(/give the broker: `host` \(or `url`\)/);
    expect(() => parseOrThrow(trigger('    url: amqp://a\n    host: b\n'))).toThrow(
      /give `host` or `url`, not both/,
    );
    expect(() => parseOrThrow(trigger('    url: "{{ secret(\'AMQP_URL\') }}"\n'))).not.toThrow();
  });
});

describeWithService('TERN_TEST_AMQP_URL', 'amqp trigger', (url) => {
  let admin: amqplib.ChannelModel;
  let channel: amqplib.Channel;
  let rig: TriggerRig | undefined;
  let proxy: TcpProxy | undefined;
  const broker = new URL(url);

  beforeAll(async () => {
    admin = await amqplib.connect(url);
    channel = await admin.createChannel();
  });
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
    await proxy?.close();
    proxy = undefined;
  });
  afterAll(async () => {
    await admin?.close();
  });

  const flow = (queue: string, port = broker.port, more = '') => `id: on-message
namespace: test.amqp
triggers:
  - id: messages
    type: io.kestra.plugin.amqp.RealtimeTrigger
    host: ${broker.hostname}
    port: "${port}"
    username: ${broker.username}
    password: ${broker.password}
    queue: ${queue}
${more}tasks:
  - id: show
    type: log
    message: "{{ trigger.data }}"
`;

  async function queue(): Promise<string> {
    const name = `tern.test.trigger.${randomUUID().slice(0, 8)}`;
    await channel.assertQueue(name, { durable: false });
    return name;
  }

  it('starts one execution per message, in order, with the message as trigger variables', async () => {
    const q = await queue();
    rig = triggerRig();
    await rig.deploy(flow(q, broker.port, '    serdeType: JSON\n'));
    channel.sendToQueue(q, Buffer.from('{"n": 1}'), {
      messageId: 'm-1',
      headers: { source: 'shop', attempt: 2 },
      contentType: 'application/json',
      timestamp: 1_700_000_000,
    });
    channel.sendToQueue(q, Buffer.from('not json'));
    channel.sendToQueue(q, Buffer.from('{"n": 2}'));
    await eventually(() => expect(rig?.started).toHaveLength(2), 20_000);
    expect(rig.started.map((e) => (e.trigger?.data as { n?: number } | undefined)?.n)).toEqual([1, 2]);
    expect(rig.started[0]?.trigger).toEqual({
      data: { n: 1 },
      messageId: 'm-1',
      headers: { source: 'shop', attempt: '2' },
      contentType: 'application/json',
      timestamp: '2023-11-14T22:13:20.000Z',
      exchange: '',
      routingKey: q,
      redelivered: false,
    });
    // The unreadable one is rejected, said so, and not left to block the queue.
    expect(
      rig.logs.some((l) => l.level === 'error' && l.message.includes('rejected: the body is not JSON')),
    ).toBe(true);
    await eventually(async () => expect((await channel.checkQueue(q)).messageCount).toBe(0));
    await channel.deleteQueue(q);
  });

  it('holds a message while the runtime takes no new execution, and starts it once it does', async () => {
    const q = await queue();
    let refusing: string | undefined = 'the device is updating';
    rig = triggerRig({ refusal: () => refusing });
    await rig.deploy(flow(q));
    channel.sendToQueue(q, Buffer.from('held'));
    await eventually(
      () => expect(rig?.logs.some((l) => l.message.includes("no execution for a message of '"))).toBe(true),
      20_000,
    );
    expect(rig.started).toHaveLength(0);
    refusing = undefined;
    await eventually(() => expect(rig?.started.map((e) => e.trigger?.data)).toEqual(['held']), 20_000);
    await channel.deleteQueue(q);
  });

  it('a message whose acknowledgement is lost comes back and is not started twice', async () => {
    const q = await queue();
    proxy = await TcpProxy.start({ host: broker.hostname, port: Number(broker.port) });
    const cut = proxy;
    rig = triggerRig();
    // As soon as the execution exists, nothing more reaches the broker: the acknowledgement
    // that follows its storing is lost with the connection, as in a crash.
    rig.fx.engine.on({ execution: (e) => e.state === 'CREATED' && cut.blackHole() });
    await rig.deploy(flow(q, String(proxy.port)));
    channel.sendToQueue(q, Buffer.from('once'), { messageId: 'only-once' });
    await eventually(() => expect(rig?.started).toHaveLength(1), 20_000);
    await rig.fx.engine.idle();
    cut.cut();
    // The broker gives it again (redelivered) to the reconnected trigger, which acknowledges it.
    await eventually(
      () =>
        expect(rig?.logs.some((l) => l.message.includes('trigger event already fired; dropped'))).toBe(true),
      30_000,
    );
    await rig.close();
    rig = undefined;
    expect((await channel.checkQueue(q)).messageCount).toBe(0);
    await channel.deleteQueue(q);
  }, 60_000);

  it('starts executions on the hub for a flow posted to its API', async () => {
    const q = await queue();
    const root = mkdtempSync(join(tmpdir(), 'tern-amqp-hub-'));
    let hub: Hub | undefined;
    try {
      hub = await startTestHub(join(root, 'hub'), ADMIN);
      const created = await fetch(`${hub.url}/api/v1/flows`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/x-yaml' },
        body: flow(q).replace('namespace: test.amqp', 'namespace: hub.amqp'),
      });
      expect(created.status).toBe(201);
      const h = hub;
      const executions = async (): Promise<Execution[]> => {
        await h.storage.executions.flush();
        return (await h.storage.executions.list({ namespace: 'hub.amqp', limit: 50 })).items;
      };
      // The trigger subscribes once the flow is stored; messages sent before wait in the queue.
      for (const n of [1, 2, 3]) channel.sendToQueue(q, Buffer.from(`order ${n}`));
      await eventually(async () => expect(await executions()).toHaveLength(3), 30_000);
      expect((await executions()).map((e) => e.trigger?.data).sort()).toEqual([
        'order 1',
        'order 2',
        'order 3',
      ]);
    } finally {
      await hub?.close();
      rmSync(root, { recursive: true, force: true });
    }
    await channel.deleteQueue(q);
  }, 60_000);
});
