/**
 * The `kafka` trigger on the hub against the real Kafka service
 * (TERN_TEST_KAFKA_BROKERS): one execution per record with its details, and
 * across a hub restart no record lost and none started twice.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Hub } from '../../hub/hub.js';
import type { Execution } from '../../protocol/execution.js';
import { startTestHub } from '../support/hub-api.js';
import { type KafkaTestKit, kafkaTestKit } from '../support/kafka.js';
import { describeWithService } from '../support/services.js';
import { eventually } from '../triggers/harness.js';

const ADMIN = 'kafka-trigger-admin';
const NS = 'hub.kafka';

describeWithService('TERN_TEST_KAFKA_BROKERS', 'kafka trigger on the hub', (brokers) => {
  let kit: KafkaTestKit;
  let producer: Producer;
  const root = mkdtempSync(join(tmpdir(), 'tern-kafka-trigger-'));
  const hubs: Hub[] = [];

  beforeAll(async () => {
    kit = kafkaTestKit(brokers);
    producer = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
  });

  afterAll(async () => {
    for (const hub of hubs) await hub.close();
    await producer?.disconnect();
    await kit?.close();
    rmSync(root, { recursive: true, force: true });
  });

  async function hub(): Promise<Hub> {
    const h = await startTestHub(join(root, 'hub'), ADMIN);
    hubs.push(h);
    return h;
  }

  async function stop(h: Hub): Promise<void> {
    await h.close();
    hubs.splice(hubs.indexOf(h), 1);
  }

  const flow = (topic: string) => `id: on-order
namespace: ${NS}
triggers:
  - id: orders
    type: io.kestra.plugin.kafka.RealtimeTrigger
    topic: ${topic}
    groupId: tern-orders-${randomUUID()}
    properties:
      bootstrap.servers: ${brokers}
      auto.offset.reset: earliest
    valueDeserializer: JSON
tasks:
  - id: show
    type: log
    message: "order {{ trigger.value.n }}"
`;

  async function executions(h: Hub): Promise<Execution[]> {
    await h.storage.executions.flush();
    return (await h.storage.executions.list({ namespace: NS, limit: 500 })).items;
  }

  const send = (topic: string, from: number, to: number) =>
    producer.send({
      topic,
      messages: Array.from({ length: to - from + 1 }, (_, i) => ({
        key: `order-${from + i}`,
        value: JSON.stringify({ n: from + i }),
        headers: { source: 'shop' },
        partition: (from + i) % 2,
      })),
    });

  it('starts one execution per record, and a restart neither loses nor repeats one', async () => {
    const topic = await kit.topic('tern-trigger', 2);
    let h = await hub();
    const created = await fetch(`${h.url}/api/v1/flows`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/x-yaml' },
      body: flow(topic),
    });
    expect(created.status).toBe(201);

    await send(topic, 1, 6);
    await eventually(async () => expect(await executions(h)).toHaveLength(6), 60_000);
    const first = (await executions(h)).find((e) => e.trigger?.key === 'order-1');
    expect(first?.trigger).toMatchObject({
      topic,
      key: 'order-1',
      value: { n: 1 },
      headers: { source: 'shop' },
      partition: 1,
      offset: 0,
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

    await stop(h);
    await send(topic, 7, 12);
    h = await hub();
    await send(topic, 13, 14);
    await eventually(async () => expect((await executions(h)).length).toBeGreaterThanOrEqual(14), 60_000);
    await h.engine.idle();
    const all = await executions(h);
    const records = all.map((e) => `${e.trigger?.partition}@${e.trigger?.offset}`);
    expect(new Set(records).size).toBe(all.length);
    expect(
      all.map((e) => (e.trigger?.value as { n: number } | undefined)?.n ?? 0).sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
  }, 120_000);
});
