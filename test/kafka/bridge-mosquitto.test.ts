/**
 * The Kafka bridge's MQTT routes on Mosquitto set up as docs/mosquitto.md
 * says (`use_username_as_clientid`): with a login of its own the bridge and
 * the hub's fleet client each keep their session, and agents' data reaches
 * Kafka.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { expect, it, onTestFinished } from 'vitest';
import { startHub } from '../../hub/hub.js';
import { kafkaTestKit } from '../support/kafka.js';
import { PrivateMosquitto } from '../support/mosquitto.js';
import { freshDatabase } from '../support/postgres.js';
import { describeWithService, serviceAddress } from '../support/services.js';

const ADMIN = 'bridge-mosquitto-admin-token';
const BRIDGE = { username: 'tern-hub-bridge', password: 'bridge-secret' };

describeWithService('TERN_TEST_KAFKA_BROKERS', 'Kafka bridge on Mosquitto', (brokers) => {
  describeWithService('TERN_TEST_MQTT_URL', 'with its own login', () => {
    it('forwards agents’ MQTT data while the hub’s own session stays connected', {
      timeout: 90_000,
    }, async () => {
      const pgUrl = serviceAddress('TERN_TEST_PG_URL');
      expect(pgUrl, 'the bridge needs TERN_TEST_PG_URL').toBeDefined();
      const dir = mkdtempSync(join(tmpdir(), 'tern-bridge-mosquitto-'));
      const kit = kafkaTestKit(brokers);
      const db = await freshDatabase(pgUrl!, 'tern_bridge_mosquitto');
      const mosquitto = await PrivateMosquitto.start({
        dir: join(dir, 'mosquitto'),
        hubPassword: 'hub-secret',
        operators: [BRIDGE],
      });
      onTestFinished(async () => {
        await mosquitto.stop();
        await kit.close();
        await db.drop();
        rmSync(dir, { recursive: true, force: true });
      });
      const data = await kit.topic();
      const hub = await startHub({
        port: 0,
        host: '127.0.0.1',
        dataDir: join(dir, 'hub'),
        dbUrl: db.url,
        adminToken: ADMIN,
        brokerUrl: mosquitto.hubUrl,
        bridgeBrokerUrl: `mqtt://${BRIDGE.username}:${BRIDGE.password}@127.0.0.1:${mosquitto.port}`,
        kafkaBridge: { brokers, routes: [{ from: 'mqtt', topic: data, filter: { mqttTopic: 'sensors/#' } }] },
      });
      onTestFinished(() => hub.close());

      const res = await fetch(`${hub.url}/api/v1/agents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'gw-sensor' }),
      });
      const { token } = (await res.json()) as { token: string };
      await mosquitto.addUser('gw-sensor', token);
      const sensor = await mqtt.connectAsync(mosquitto.url, {
        username: 'gw-sensor',
        password: token,
        reconnectPeriod: 0,
      });
      await sensor.publishAsync('tern/v1/data/sensors/gw-sensor/temp', '{"celsius":20.1}', { qos: 1 });
      await sensor.endAsync();

      const [message] = await kit.read(data, 1);
      expect(String(message?.value)).toBe('{"celsius":20.1}');
      // Under use_username_as_clientid, a second client on the hub's login would have pushed the first out.
      const log = readFileSync(mosquitto.logFile, 'utf8');
      expect(log).toContain(`New client connected from 127.0.0.1`);
      expect(log).toMatch(/as tern-hub-bridge \(/);
      expect(log).not.toMatch(/already connected, closing old connection/);
    });
  });
});
