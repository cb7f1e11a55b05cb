/**
 * The hub's Kafka bridge against real Kafka (TERN_TEST_KAFKA_BROKERS) and
 * PostgreSQL (TERN_TEST_PG_URL): execution state changes, task outputs and
 * agents' MQTT data arrive on their topics; while Kafka is unreachable records
 * wait in the queue, and all of them arrive once it is reachable again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { type Agent, startAgent } from '../../agent/agent.js';
import { type Hub, startHub } from '../../hub/hub.js';
import { type KafkaTestKit, kafkaTestKit, type ReadRecord } from '../support/kafka.js';
import { freeTcpPort } from '../support/ports.js';
import { type FreshDatabase, freshDatabase } from '../support/postgres.js';
import { describeWithService } from '../support/services.js';

const ADMIN = 'bridge-admin-token';
const eventually = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 20_000, interval: 50 });
const json = (r: ReadRecord) => JSON.parse(String(r.value)) as Record<string, unknown>;

describeWithService('TERN_TEST_KAFKA_BROKERS', 'Kafka bridge', (brokers) => {
  describeWithService('TERN_TEST_PG_URL', 'on PostgreSQL', (pgUrl) => {
    const root = mkdtempSync(join(tmpdir(), 'tern-bridge-'));
    let kit: KafkaTestKit;
    const databases: FreshDatabase[] = [];
    const hubs: Hub[] = [];
    const agents: Agent[] = [];

    beforeAll(() => {
      kit = kafkaTestKit(brokers);
    });
    afterEach(async () => {
      for (const a of agents.splice(0)) await a.close();
      for (const h of hubs.splice(0)) await h.close();
    });
    afterAll(async () => {
      await kit.close();
      for (const d of databases) await d.drop();
      rmSync(root, { recursive: true, force: true });
    });

    async function hubWith(db: FreshDatabase, bridge: unknown): Promise<Hub> {
      const hub = await startHub({
        port: 0,
        host: '127.0.0.1',
        mqttPort: 0,
        mqttHost: '127.0.0.1',
        dataDir: join(root, 'hub'),
        dbUrl: db.url,
        adminToken: ADMIN,
        kafkaBridge: bridge,
      });
      hubs.push(hub);
      return hub;
    }

    // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies freely; the assertions check them.
    async function call(hub: Hub, method: string, path: string, body?: unknown, yaml?: string): Promise<any> {
      const res = await fetch(`${hub.url}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${ADMIN}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...(yaml !== undefined && { 'content-type': 'application/x-yaml' }),
        },
        body: yaml ?? (body === undefined ? undefined : JSON.stringify(body)),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
    }

    const hubFlow = `id: report
namespace: bridge.hub
tasks:
  - id: measure
    type: output
    values: { celsius: 21.5 }
`;

    async function runHubFlow(hub: Hub): Promise<string> {
      const e = await call(hub, 'POST', '/executions/bridge.hub/report?wait=true', {});
      expect(e.state).toBe('SUCCESS');
      return e.id as string;
    }

    it('forwards execution state changes, task outputs and agent MQTT data to their topics', async () => {
      const db = await freshDatabase(pgUrl, 'tern_bridge');
      databases.push(db);
      const [executions, outputs, data] = [await kit.topic(), await kit.topic(), await kit.topic()];
      const hub = await hubWith(db, {
        brokers,
        maxAttempts: 2,
        minBackoff: 'PT0.1S',
        routes: [
          { from: 'executions', topic: executions, filter: { namespace: 'bridge' } },
          { from: 'taskOutputs', topic: outputs },
          { name: 'sensors', from: 'mqtt', topic: data, filter: { mqttTopic: 'sensors/#' } },
        ],
      });
      await call(hub, 'POST', '/flows', undefined, hubFlow);
      await call(
        hub,
        'POST',
        '/flows',
        undefined,
        [
          'id: greet',
          'namespace: bridge.edge',
          'runsOn: {labels: {site: bridge}}',
          'tasks:',
          `  - { id: out, type: output, values: { from: "{{ agent.id }}", auth: "{{ secret('EDGE_TOKEN') }}" } }`,
        ].join('\n'),
      );
      const { token } = await call(hub, 'POST', '/agents', { id: 'gw-bridge', labels: { site: 'bridge' } });
      const agent = await startAgent({
        id: 'gw-bridge',
        token,
        hubUrl: `mqtt://127.0.0.1:${hub.mqttPort}`,
        dataDir: join(root, 'gw-bridge'),
        secrets: { EDGE_TOKEN: 'edge-token-value' },
        sync: { reconnectMinMs: 20, reconnectMaxMs: 200, lingerMs: 1 },
      });
      agents.push(agent);
      await eventually(() => expect(agent.appliedFlows().map((f) => f.id)).toEqual(['greet']));

      const hubId = await runHubFlow(hub);
      const sent = await call(hub, 'POST', '/executions/bridge.edge/greet?agent=gw-bridge', {});
      const agentId = sent.executionIds[0] as string;
      const sensor = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, {
        username: 'gw-bridge',
        password: token,
        clientId: 'gw-bridge:sensor',
        reconnectPeriod: 0,
      });
      await sensor.publishAsync('tern/v1/data/other/ignored', 'not forwarded', { qos: 1 });
      await sensor.publishAsync('tern/v1/data/sensors/gw-bridge/temp', '{"celsius":20.1}', { qos: 1 });
      await sensor.endAsync();

      const ended = (id: string) => (rs: ReadRecord[]) =>
        rs.some((r) => String(r.key) === id && json(r).state === 'SUCCESS');
      const states = await kit.read(executions, (rs) => ended(hubId)(rs) && ended(agentId)(rs));
      const of = (id: string) => states.filter((r) => String(r.key) === id).map((r) => json(r).state);
      expect(of(hubId)).toEqual(['CREATED', 'RUNNING', 'SUCCESS']);
      expect(of(agentId).at(-1)).toBe('SUCCESS');
      const agentRecord = states.find((r) => String(r.key) === agentId)!;
      expect(agentRecord.headers).toMatchObject({
        'tern.source': 'executions',
        'tern.namespace': 'bridge.edge',
        'tern.agentId': 'gw-bridge',
      });
      expect(json(agentRecord)).not.toHaveProperty('variables');

      const outs = await kit.read(outputs, 2);
      expect(outs.map((r) => [json(r).executionId, json(r).taskId, json(r).outputs]).sort()).toEqual(
        [
          [hubId, 'measure', { values: { celsius: 21.5 } }],
          [agentId, 'out', { values: { from: 'gw-bridge', auth: '******' } }],
        ].sort(),
      );

      expect([...states, ...outs].map((r) => String(r.value)).join('\n')).not.toContain('edge-token-value');

      const [message] = await kit.read(data, 1);
      expect({ key: String(message?.key), value: String(message?.value), headers: message?.headers }).toEqual(
        {
          key: 'tern/v1/data/sensors/gw-bridge/temp',
          value: '{"celsius":20.1}',
          headers: { 'tern.source': 'mqtt', 'mqtt.topic': 'tern/v1/data/sensors/gw-bridge/temp' },
        },
      );

      await eventually(async () => {
        const metrics = (await call(hub, 'GET', '/metrics')) as string;
        expect(metrics).toMatch(/tern_bridge_sent_total\{route="executions"\} [1-9]/);
        expect(metrics).toMatch(/tern_bridge_queued_records 0\b/);
        expect(metrics).toMatch(/tern_bridge_kafka_up 1\b/);
      });
    });

    it('forwards each status and stage change of a rollout', async () => {
      const db = await freshDatabase(pgUrl, 'tern_bridge');
      databases.push(db);
      const topic = await kit.topic();
      const hub = await hubWith(db, {
        brokers,
        routes: [{ from: 'rollouts', topic, filter: { namespace: 'staged' } }],
      });
      const flow = (rollout: string) =>
        `id: job\nnamespace: staged\nrunsOn: {labels: {site: staged}}\n${rollout}tasks:\n  - { id: say, type: log, message: hi }\n`;
      await call(hub, 'POST', '/flows', undefined, flow(''));
      const { token } = await call(hub, 'POST', '/agents', { id: 'gw-staged', labels: { site: 'staged' } });
      const agent = await startAgent({
        id: 'gw-staged',
        token,
        hubUrl: `mqtt://127.0.0.1:${hub.mqttPort}`,
        dataDir: join(root, 'gw-staged'),
        sync: { reconnectMinMs: 20, reconnectMaxMs: 200, lingerMs: 1 },
      });
      agents.push(agent);
      await eventually(() => expect(agent.appliedFlows().map((f) => f.revision)).toEqual([1]));
      await call(
        hub,
        'PUT',
        '/flows/staged/job',
        undefined,
        flow('rollout: {gates: {failureRate: {max: 0, window: PT0.1S}}}\n'),
      );

      const records = await kit.read(topic, (rs) => rs.some((r) => json(r).status === 'SUCCEEDED'));
      expect(records.map((r) => [json(r).status, json(r).stage])).toEqual([
        ['RUNNING', 0],
        ['SUCCEEDED', 0],
      ]);
      expect(records[1]?.headers).toMatchObject({
        'tern.source': 'rollouts',
        'tern.namespace': 'staged',
        'tern.status': 'SUCCEEDED',
      });
      expect(new Set(records.map((r) => String(r.key))).size).toBe(1);
    });

    it('dead-letters a record Kafka refuses and keeps delivering the others', async () => {
      const db = await freshDatabase(pgUrl, 'tern_bridge');
      databases.push(db);
      const data = await kit.topic();
      const hub = await hubWith(db, {
        brokers,
        maxAttempts: 2,
        minBackoff: 'PT0.1S',
        routes: [{ from: 'mqtt', topic: data }],
      });
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, {
        ...hub.brokerCredentials,
        reconnectPeriod: 0,
      });
      // Larger than the broker's message.max.bytes (1 MiB by default).
      await client.publishAsync('tern/v1/data/big', Buffer.alloc(1_500_000, 1), { qos: 1 });
      await client.publishAsync('tern/v1/data/small', 'fits', { qos: 1 });
      await client.endAsync();

      const records = await kit.read(data, 1);
      expect(records.map((r) => String(r.key))).toEqual(['tern/v1/data/small']);
      const dead = await eventually(async () => {
        const page = await call(hub, 'GET', '/bridge/dead-letters');
        expect(page.items).toHaveLength(1);
        return page.items[0];
      });
      expect(dead).toMatchObject({ route: 'mqtt', topic: data, attempts: 2 });
      expect(dead.error).toMatch(/refused 2 times .*larger than the max message size/);
      expect(await call(hub, 'GET', '/bridge')).toMatchObject({ enabled: true, queued: 0, deadLetters: 1 });
      expect(await call(hub, 'POST', '/bridge/dead-letters/requeue', { ids: [dead.id] })).toEqual({
        requeued: 1,
      });
    });

    it('keeps records queued while Kafka is unreachable, and delivers every one once it is reachable', async () => {
      const db = await freshDatabase(pgUrl, 'tern_bridge');
      databases.push(db);
      const [executions, outputs] = [await kit.topic(), await kit.topic()];
      const routes = [
        { from: 'executions', topic: executions, filter: { states: ['SUCCESS', 'FAILED'] } },
        { from: 'taskOutputs', topic: outputs },
      ];
      const closed = await freeTcpPort();
      const offline = await hubWith(db, {
        brokers: `127.0.0.1:${closed}`,
        properties: { 'socket.connection.setup.timeout.ms': 200, retries: 0 },
        minBackoff: 'PT0.1S',
        maxBackoff: 'PT0.3S',
        routes,
      });
      await call(offline, 'POST', '/flows', undefined, hubFlow);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await runHubFlow(offline));

      const status = await eventually(async () => {
        const s = await call(offline, 'GET', '/bridge');
        expect(s).toMatchObject({ kafka: 'UNAVAILABLE', queued: 10 });
        return s;
      });
      expect(status.lastError).toBeTruthy();
      const metrics = (await call(offline, 'GET', '/metrics')) as string;
      expect(metrics).toMatch(/tern_bridge_queued_records 10\b/);
      expect(metrics).toMatch(/tern_bridge_kafka_up 0\b/);
      expect(metrics).toMatch(/tern_bridge_send_failures_total\{reason="unavailable"\} [1-9]/);
      expect(metrics).toMatch(/tern_bridge_oldest_record_age_seconds [0-9.e-]+/);

      await offline.close();
      hubs.splice(hubs.indexOf(offline), 1);
      const online = await hubWith(db, { brokers, routes });

      const delivered = await kit.read(executions, 5);
      expect(delivered.map((r) => String(r.key)).sort()).toEqual([...ids].sort());
      const outs = await kit.read(outputs, 5);
      expect(outs.map((r) => json(r).executionId).sort()).toEqual([...ids].sort());
      await eventually(async () =>
        expect(await call(online, 'GET', '/bridge')).toMatchObject({
          kafka: 'UP',
          queued: 0,
          deadLetters: 0,
        }),
      );
    });
  });
});
