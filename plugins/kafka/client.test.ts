/** Kestra's Kafka properties compiled into kafkajs options. */
import { describe, expect, it } from 'vitest';
import { consumerSettings, kafkaClientSettings, kafkaPropertyProblems, producerSettings } from './client.js';

describe('kafkaClientSettings', () => {
  it('reads brokers and client id, accepting PLAINTEXT:// prefixes', () => {
    const { config } = kafkaClientSettings({
      'bootstrap.servers': 'PLAINTEXT://a:9092, b:9093',
      'client.id': 'gw',
    });
    expect({ brokers: config.brokers, clientId: config.clientId, ssl: config.ssl }).toEqual({
      brokers: ['a:9092', 'b:9093'],
      clientId: 'gw',
      ssl: undefined,
    });
  });

  it("takes SASL credentials from Kestra's sasl.jaas.config", () => {
    const { config } = kafkaClientSettings({
      'bootstrap.servers': 'k:9093',
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'SCRAM-SHA-512',
      'sasl.jaas.config':
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="tern" password="p\\"w";',
    });
    expect({ ssl: config.ssl, sasl: config.sasl }).toEqual({
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'tern', password: 'p\\"w' },
    });
  });

  it('refuses a JKS trust store with a way out', () => {
    expect(() =>
      kafkaClientSettings({
        'bootstrap.servers': 'k:9093',
        'security.protocol': 'SSL',
        'ssl.truststore.type': 'JKS',
        'ssl.truststore.location': '/etc/kafka/trust.jks',
      }),
    ).toThrow(/JKS stores cannot be read here; convert it to PEM/);
  });

  it('gives equal keys to equal connection properties in any order', () => {
    const a = kafkaClientSettings({ 'bootstrap.servers': 'k:1', 'client.id': 'x', acks: '1' });
    const b = kafkaClientSettings({ acks: 'all', 'client.id': 'x', 'bootstrap.servers': 'k:1' });
    expect(a.key).toBe(b.key);
  });

  it('maps retries and timeouts', () => {
    const { config } = kafkaClientSettings({
      'bootstrap.servers': 'k:1',
      retries: 2,
      'retry.backoff.ms': '50',
      'request.timeout.ms': 1000,
    });
    expect({ retry: config.retry, requestTimeout: config.requestTimeout }).toEqual({
      retry: { retries: 2, initialRetryTime: 50 },
      requestTimeout: 1000,
    });
  });
});

describe('producer and consumer settings', () => {
  it('reads acks, compression and idempotence', () => {
    const s = producerSettings({ acks: '1', 'compression.type': 'gzip', 'enable.idempotence': true });
    expect({ acks: s.acks, compression: s.compression, idempotent: s.config.idempotent }).toEqual({
      acks: 1,
      compression: 1,
      idempotent: true,
    });
  });

  it('reads the group and where a new group starts', () => {
    expect(consumerSettings({ 'group.id': 'g', 'auto.offset.reset': 'earliest' })).toEqual({
      config: { groupId: 'g' },
      fromBeginning: true,
    });
  });
});

describe('kafkaPropertyProblems', () => {
  it('names every bad literal property and skips templated ones', () => {
    expect(
      kafkaPropertyProblems(
        {
          'bootstrap.servers': "{{ secret('KAFKA') }}",
          'security.protocol': 'TLS',
          acks: '2',
        },
        'producer',
      ),
    ).toEqual([
      { path: 'properties.security.protocol', message: expect.stringContaining("'TLS' is not one of") },
      { path: 'properties.acks', message: "'2' is not all, -1, 0 or 1" },
    ]);
  });

  it('requires bootstrap.servers', () => {
    expect(kafkaPropertyProblems({}, 'consumer')[0]?.message).toMatch(/bootstrap.servers` is required/);
  });
});
