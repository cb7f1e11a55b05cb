/** `kafka.produce` in flows run by the engine, against the real Kafka service (TERN_TEST_KAFKA_BROKERS). */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { type EngineFixture, engineFixture } from '../support/engine.js';
import { type KafkaTestKit, kafkaTestKit } from '../support/kafka.js';
import { freeTcpPort } from '../support/ports.js';
import { describeWithService } from '../support/services.js';

describeWithService('TERN_TEST_KAFKA_BROKERS', 'kafka.produce', (brokers) => {
  let kit: KafkaTestKit;
  let fx: EngineFixture;
  beforeAll(() => {
    kit = kafkaTestKit(brokers);
  });
  afterAll(async () => {
    await kit.close();
  });
  afterEach(async () => {
    await fx?.close();
  });

  const flow = (topic: string, body: string) =>
    [
      'id: produce',
      'namespace: test.kafka',
      'tasks:',
      '  - id: send',
      '    type: io.kestra.plugin.kafka.Produce',
      '    properties:',
      `      bootstrap.servers: ${brokers}`,
      `    topic: ${topic}`,
      ...body.split('\n').map((l) => `    ${l}`),
    ].join('\n');

  it('sends one record with its key, value and headers', async () => {
    fx = engineFixture();
    const topic = await kit.topic();
    const done = await fx.run(
      flow(
        topic,
        [
          'from:',
          '  key: "{{ execution.id }}"',
          '  value: hello from {{ flow.id }}',
          '  headers: { source: tern, attempt: 1 }',
        ].join('\n'),
      ),
    );
    expect(done.execution.state).toBe('SUCCESS');
    expect(done.run('send').outputs).toEqual({ messagesCount: 1 });
    const [record] = await kit.read(topic, 1);
    expect({
      key: record?.key?.toString(),
      value: record?.value?.toString(),
      headers: record?.headers,
    }).toEqual({
      key: done.execution.id,
      value: 'hello from produce',
      headers: { source: 'tern', attempt: '1' },
    });
  });

  it('sends a list of records, values as JSON and keys as integers, in order', async () => {
    fx = engineFixture();
    const topic = await kit.topic();
    const done = await fx.run(
      flow(
        topic,
        [
          'keySerializer: INTEGER',
          'valueSerializer: JSON',
          'transactional: false',
          'from:',
          '  - { key: 1, value: { celsius: 20.5 } }',
          '  - { key: 2, value: { celsius: 21 } }',
          '  - { key: 3, value: [1, 2] }',
        ].join('\n'),
      ),
    );
    expect(done.run('send').outputs).toEqual({ messagesCount: 3 });
    const records = await kit.read(topic, 3);
    expect(records.map((r) => [r.key?.readInt32BE(), JSON.parse(String(r.value))])).toEqual([
      [1, { celsius: 20.5 }],
      [2, { celsius: 21 }],
      [3, [1, 2]],
    ]);
  });

  it('commits the records of a transactional task so that read_committed consumers see them', async () => {
    fx = engineFixture();
    const topic = await kit.topic();
    const done = await fx.run(
      flow(topic, ['transactional: true', 'from:', '  - { value: a }', '  - { value: b }'].join('\n')),
    );
    expect(done.execution.state).toBe('SUCCESS');
    const records = await kit.read(topic, 2, { readCommitted: true });
    expect(records.map((r) => String(r.value))).toEqual(['a', 'b']);
  });

  it('sends each record to the topic it names, else to the task topic', async () => {
    fx = engineFixture();
    const [main, other] = [await kit.topic(), await kit.topic()];
    const done = await fx.run(
      flow(main, ['from:', '  - { value: here }', `  - { value: there, topic: ${other} }`].join('\n')),
    );
    expect(done.run('send').outputs).toEqual({ messagesCount: 2 });
    expect((await kit.read(main, 1)).map((r) => String(r.value))).toEqual(['here']);
    expect((await kit.read(other, 1)).map((r) => String(r.value))).toEqual(['there']);
  });

  it('fails without retrying when a record is malformed, naming it', async () => {
    fx = engineFixture();
    const topic = await kit.topic();
    const done = await fx.run(
      flow(
        topic,
        ['keySerializer: INTEGER', 'from:', '  - { key: 1, value: a }', '  - { key: x, value: b }'].join(
          '\n',
        ),
      ),
    );
    expect(done.execution.state).toBe('FAILED');
    expect(done.run('send').error).toMatch(/from\[1\]: "x" is not a number \(serializer INTEGER\)/);
    expect(done.run('send').attempts).toHaveLength(1);
  });

  it('fails with the connection error when no broker listens', async () => {
    fx = engineFixture();
    const port = await freeTcpPort();
    const done = await fx.run(
      [
        'id: unreachable',
        'namespace: test.kafka',
        'tasks:',
        '  - id: send',
        '    type: kafka.produce',
        '    properties:',
        `      bootstrap.servers: 127.0.0.1:${port}`,
        '      socket.connection.setup.timeout.ms: 200',
        '      retries: 1',
        '    topic: nowhere',
        '    from: { value: lost }',
      ].join('\n'),
    );
    expect(done.execution.state).toBe('FAILED');
    expect(done.run('send').error).toMatch(/ECONNREFUSED|Connection error|connect/i);
  });
});
