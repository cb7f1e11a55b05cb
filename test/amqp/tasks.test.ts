/**
 * The amqp.* tasks in flows run by the engine, against the real RabbitMQ service
 * (TERN_TEST_AMQP_URL): declare, bind, publish, consume, and what fails how.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import amqplib from 'amqplib';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { type EngineFixture, engineFixture } from '../support/engine.js';
import { describeWithService } from '../support/services.js';

describeWithService('TERN_TEST_AMQP_URL', 'amqp tasks', (url) => {
  let admin: amqplib.ChannelModel;
  let channel: amqplib.Channel;
  let fx: EngineFixture;
  const broker = new URL(url);
  // The Kestra way to name the broker: host, port, username, password.
  const connection = [
    `host: ${broker.hostname}`,
    `port: "${broker.port}"`,
    `username: ${broker.username}`,
    `password: ${broker.password}`,
  ];

  beforeAll(async () => {
    admin = await amqplib.connect(url);
    channel = await admin.createChannel();
  });
  afterAll(async () => {
    await admin?.close();
  });
  afterEach(async () => {
    await fx?.close();
  });

  const flow = (tasks: Array<{ id: string; type: string; lines: string[]; byUrl?: boolean }>) =>
    [
      `id: amqp-${randomUUID().slice(0, 8)}`,
      'namespace: test.amqp',
      'tasks:',
      ...tasks.flatMap((t) => [
        `  - id: ${t.id}`,
        `    type: ${t.type}`,
        ...[...(t.byUrl ? [`url: ${url}/`] : connection), ...t.lines].map((l) => `    ${l}`),
      ]),
    ].join('\n');

  /** The next message of `queue`, taken. */
  async function next(queue: string): Promise<amqplib.GetMessage> {
    const message = await channel.get(queue, { noAck: true });
    if (!message) throw new Error(`queue ${queue} is empty`);
    return message;
  }

  const names = () => {
    const id = randomUUID().slice(0, 8);
    return { exchange: `tern.test.${id}`, queue: `tern.test.${id}` };
  };

  it('declares an exchange and a queue, binds them, and a published message arrives with its properties', async () => {
    fx = engineFixture();
    const { exchange, queue } = names();
    const done = await fx.run(
      flow([
        {
          id: 'exchange',
          type: 'io.kestra.plugin.amqp.DeclareExchange',
          lines: [`name: ${exchange}`, 'exchangeType: TOPIC', 'durability: false', 'autoDelete: true'],
        },
        {
          id: 'queue',
          type: 'io.kestra.plugin.amqp.CreateQueue',
          lines: [`name: ${queue}`, 'durability: false', 'args: { x-message-ttl: 60000 }'],
        },
        {
          id: 'bind',
          type: 'io.kestra.plugin.amqp.QueueBind',
          lines: [`exchange: ${exchange}`, `queue: ${queue}`, 'routingKey: "room.*"'],
        },
        {
          id: 'publish',
          type: 'io.kestra.plugin.amqp.Publish',
          lines: [
            `exchange: ${exchange}`,
            'routingKey: room.a',
            'serdeType: JSON',
            'from:',
            '  - data: { celsius: 21.5, by: "{{ flow.id }}" }',
            '    headers: { source: tern }',
            '    messageId: m-1',
            '    appId: unit-tern',
            "    timestamp: '2023-01-09T08:46:33Z'",
            '    expiration: PT1M',
            '  - data: { celsius: 22 }',
          ],
        },
      ]),
    );
    expect(done.execution.state).toBe('SUCCESS');
    expect(done.run('exchange').outputs).toEqual({ exchange });
    expect(done.run('queue').outputs).toEqual({ queue, messageCount: 0, consumerCount: 0 });
    expect(done.run('bind').outputs).toEqual({ queue, exchange });
    expect(done.run('publish').outputs).toEqual({ messagesCount: 2 });

    const first = await next(queue);
    const second = await next(queue);
    expect(JSON.parse(first.content.toString())).toEqual({
      celsius: 21.5,
      by: done.execution.flowId,
    });
    expect(first.properties).toMatchObject({
      headers: { source: 'tern' },
      messageId: 'm-1',
      appId: 'unit-tern',
      timestamp: Date.parse('2023-01-09T08:46:33Z') / 1000,
      expiration: '60000',
    });
    expect(first.fields.routingKey).toBe('room.a');
    expect(JSON.parse(second.content.toString())).toEqual({ celsius: 22 });
    await channel.deleteQueue(queue);
  });

  it('consumes up to maxRecords into a stored file and leaves the rest in the queue', async () => {
    fx = engineFixture();
    const { queue } = names();
    await channel.assertQueue(queue, { durable: false });
    for (let i = 1; i <= 5; i++)
      channel.sendToQueue(queue, Buffer.from(JSON.stringify({ n: i })), {
        headers: { n: i },
        messageId: `m${i}`,
      });
    const done = await fx.run(
      flow([
        {
          id: 'consume',
          type: 'io.kestra.plugin.amqp.Consume',
          lines: [`queue: ${queue}`, 'serdeType: JSON', 'maxRecords: 3', 'maxDuration: PT20S'],
        },
      ]),
    );
    expect(done.execution.state).toBe('SUCCESS');
    const outputs = done.run('consume').outputs as { count: number; uri: string };
    expect(outputs.count).toBe(3);
    const lines = readFileSync(fx.store.files.localPath(outputs.uri), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((m) => m.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(lines[0]).toMatchObject({
      messageId: 'm1',
      headers: { n: '1' },
      exchange: '',
      routingKey: queue,
      redelivered: false,
    });
    // The three taken are acknowledged; the two the broker sent ahead went back to the queue.
    await expect.poll(async () => (await channel.checkQueue(queue)).messageCount).toBe(2);
    expect(JSON.parse((await next(queue)).content.toString())).toEqual({ n: 4 });
    await channel.deleteQueue(queue);
  });

  it('consumes what comes within maxDuration, none lost when a body cannot be read', async () => {
    fx = engineFixture();
    const { queue } = names();
    await channel.assertQueue(queue, { durable: false });
    channel.sendToQueue(queue, Buffer.from('plain text'));
    channel.sendToQueue(queue, Buffer.from('{"ok": true}'));
    const text = await fx.run(
      flow([{ id: 'consume', type: 'amqp.consume', lines: [`queue: ${queue}`, 'maxDuration: PT1S'] }]),
    );
    expect(text.execution.state).toBe('SUCCESS');
    expect(text.run('consume').outputs).toMatchObject({ count: 2 });

    channel.sendToQueue(queue, Buffer.from('{"ok": true}'));
    channel.sendToQueue(queue, Buffer.from('not json'));
    const json = await fx.run(
      flow([
        {
          id: 'consume',
          type: 'amqp.consume',
          lines: [`queue: ${queue}`, 'serdeType: JSON', 'maxRecords: 2'],
        },
      ]),
    );
    expect(json.execution.state).toBe('FAILED');
    expect(json.messages('consume').join('\n')).toMatch(
      /message 2 of 'tern\.test\.[^']+': the body is not JSON/,
    );
    // The task failed: both messages are back in the queue.
    await expect.poll(async () => (await channel.checkQueue(queue)).messageCount).toBe(2);
    await channel.deleteQueue(queue);
  });

  it("names the broker by url, Kestra's older form, and refuses url and host together", async () => {
    fx = engineFixture();
    const { queue } = names();
    const byUrl = await fx.run(
      flow([
        {
          id: 'queue',
          type: 'amqp.declareQueue',
          byUrl: true,
          lines: [`name: ${queue}`, 'autoDelete: true'],
        },
      ]),
    );
    expect(byUrl.execution.state).toBe('SUCCESS');
    expect(byUrl.run('queue').outputs).toMatchObject({ queue });
    await channel.deleteQueue(queue);

    const both = await fx.run(
      flow([{ id: 'queue', type: 'amqp.declareQueue', lines: [`url: ${url}`, `name: ${queue}`] }]),
    );
    expect(both.execution.state).toBe('FAILED');
    expect(both.messages('queue').join('\n')).toContain('give `host` or `url`, not both');
  });

  it('fails, saying why, on an unroutable publish, a missing bound and an unknown exchange', async () => {
    fx = engineFixture();
    const { exchange } = names();
    await channel.assertExchange(exchange, 'direct', { durable: false, autoDelete: false });
    const unroutable = await fx.run(
      flow([
        {
          id: 'publish',
          type: 'amqp.publish',
          lines: [`exchange: ${exchange}`, 'routingKey: nowhere', 'from: { data: lost? }'],
        },
      ]),
    );
    expect(unroutable.execution.state).toBe('FAILED');
    expect(unroutable.messages('publish').join('\n')).toContain(
      `1 of 1 message(s) reached no queue: exchange '${exchange}' has no binding for routing key 'nowhere'`,
    );

    const unbounded = await fx.run(flow([{ id: 'consume', type: 'amqp.consume', lines: ['queue: any'] }]));
    expect(unbounded.execution.state).toBe('FAILED');
    expect(unbounded.messages('consume').join('\n')).toContain('give `maxRecords` or `maxDuration`');

    const missing = await fx.run(
      flow([{ id: 'bind', type: 'amqp.bind', lines: [`exchange: ${exchange}.missing`, 'queue: q'] }]),
    );
    expect(missing.execution.state).toBe('FAILED');
    expect(missing.messages('bind').join('\n')).toMatch(/NOT_FOUND/);
    await channel.deleteExchange(exchange);
  });
});
