/** The Kafka bridge's settings: defaults, checks, and MQTT filters under the shared data prefix. */
import { describe, expect, it } from 'vitest';
import { compileBridgeSettings, readBridgeConfig } from './config.js';

const PREFIX = 'tern/v1/data/';

describe('compileBridgeSettings', () => {
  it('fills the defaults and names routes after their source', () => {
    const s = compileBridgeSettings(
      {
        brokers: ['k1:9092', 'k2:9092'],
        routes: [
          {
            from: 'executions',
            topic: 'tern.executions',
            filter: { namespace: 'plant1', states: ['FAILED'] },
          },
          { from: 'executions', topic: 'tern.all' },
          { from: 'mqtt', topic: 'tern.telemetry', filter: { mqttTopic: '+/temperature' } },
          { from: 'mqtt', topic: 'tern.raw' },
        ],
      },
      PREFIX,
    );
    expect(s.properties['bootstrap.servers']).toBe('k1:9092,k2:9092');
    expect(s.routes.map((r) => [r.name, r.mqttTopic])).toEqual([
      ['executions', undefined],
      ['executions-2', undefined],
      ['mqtt', 'tern/v1/data/+/temperature'],
      ['mqtt-2', 'tern/v1/data/#'],
    ]);
    expect([...(s.routes[0]?.states ?? [])]).toEqual(['FAILED']);
    expect(s).toMatchObject({ maxAttempts: 5, minBackoffMs: 500, maxBackoffMs: 30_000, batchSize: 500 });
    expect(s.deadLetterAfterMs).toBe(7 * 24 * 3600_000);
  });

  it('takes Kestra-style properties, and an MQTT filter already under the prefix as it is', () => {
    const s = compileBridgeSettings(
      {
        properties: {
          'bootstrap.servers': 'k:9093',
          'security.protocol': 'SASL_SSL',
          'sasl.username': 'u',
          'sasl.password': 'p',
        },
        routes: [{ from: 'mqtt', topic: 't', filter: { mqttTopic: 'tern/v1/data/site/#' } }],
      },
      PREFIX,
    );
    expect(s.routes[0]?.mqttTopic).toBe('tern/v1/data/site/#');
  });

  it('names every problem', () => {
    expect(() => compileBridgeSettings({ routes: [] }, PREFIX)).toThrow(/kafka bridge: .*routes/);
    expect(() =>
      compileBridgeSettings({ brokers: 'k:1', routes: [{ from: 'logs', topic: 't' }] }, PREFIX),
    ).toThrow(/routes\.0\.from/);
    expect(() => compileBridgeSettings({ routes: [{ from: 'executions', topic: 't' }] }, PREFIX)).toThrow(
      /bootstrap.servers` is required/,
    );
    expect(() =>
      compileBridgeSettings(
        { brokers: 'k:1', routes: [{ from: 'mqtt', topic: 't', filter: { namespace: 'x' } }] },
        PREFIX,
      ),
    ).toThrow(/an mqtt route filters by mqttTopic only/);
    expect(() =>
      compileBridgeSettings(
        { brokers: 'k:1', minBackoff: 'soon', routes: [{ from: 'executions', topic: 't' }] },
        PREFIX,
      ),
    ).toThrow(/minBackoff: 'soon' is not an ISO-8601 duration/);
  });

  it('reads inline JSON from TERN_KAFKA_BRIDGE', () => {
    expect(readBridgeConfig('{"brokers": "k:1", "routes": []}')).toEqual({ brokers: 'k:1', routes: [] });
  });
});
