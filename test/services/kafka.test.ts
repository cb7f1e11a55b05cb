/**
 * Smoke test of the Kafka service (TERN_TEST_KAFKA_BROKERS) through kafkajs, the client Tern's
 * Kafka tasks use: the single KRaft node creates a topic, takes a record and hands it back.
 */
import { randomUUID } from 'node:crypto';
import { type Consumer, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { afterEach, expect, it } from 'vitest';
import { describeWithService } from '../support/services.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describeWithService('TERN_TEST_KAFKA_BROKERS', 'Kafka service', (brokers) => {
  const kafka = new Kafka({ clientId: 'tern-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING });

  it('creates a topic, then delivers a produced record to a consumer group', async () => {
    const topic = `tern-smoke-${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    closers.push(() => admin.disconnect());
    const created = await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    expect(created).toBe(true);
    closers.push(() => admin.deleteTopics({ topics: [topic] }));
    expect(await admin.listTopics()).toContain(topic);

    const producer: Producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    closers.push(() => producer.disconnect());
    const [sent] = await producer.send({ topic, messages: [{ key: 'device-7', value: 'temperature=21.5' }] });
    expect(sent?.errorCode).toBe(0);

    const consumer: Consumer = kafka.consumer({ groupId: `tern-smoke-${randomUUID()}` });
    await consumer.connect();
    closers.push(() => consumer.disconnect());
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const received = new Promise<{ key: string; value: string }>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) =>
          resolve({ key: String(message.key), value: String(message.value) }),
      });
    });
    expect(await received).toEqual({ key: 'device-7', value: 'temperature=21.5' });
  });
});
