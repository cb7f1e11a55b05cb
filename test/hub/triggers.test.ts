/** The hub runs the triggers of its own flows (`runsOn: hub` or none), following them through the flows API. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalBroker, startLocalBroker } from '../../agent/local-broker.js';
import type { Hub } from '../../hub/hub.js';
import { startTestHub } from '../support/hub-api.js';
import { eventually } from '../triggers/harness.js';

const ADMIN = 'triggers-admin-token';
const root = mkdtempSync(join(tmpdir(), 'tern-hub-triggers-'));
let hub: Hub;
let sensors: LocalBroker;
let publisher: MqttClient;

beforeAll(async () => {
  sensors = await startLocalBroker({ port: 0 });
  hub = await startTestHub(join(root, 'hub'), ADMIN);
  publisher = await mqtt.connectAsync(sensors.url, { reconnectPeriod: 0 });
}, 60_000);

afterAll(async () => {
  await publisher.endAsync();
  await hub.close();
  await sensors.close();
  rmSync(root, { recursive: true, force: true });
});

async function api(method: string, path: string, yaml?: string): Promise<number> {
  const res = await fetch(`${hub.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(yaml ? { 'content-type': 'application/x-yaml' } : {}) },
    body: yaml,
  });
  await res.text();
  return res.status;
}

const flow = (topic: string, extra = '', id = 'on-reading') => `id: ${id}
namespace: hub.triggers
${extra}triggers:
  - id: reading
    type: mqtt
    server: ${sensors.url}
    topic: ${topic}
tasks:
  - id: hello
    type: log
    message: "{{ trigger.payload }}"
`;

async function payloads(): Promise<unknown[]> {
  await hub.storage.executions.flush();
  const page = await hub.storage.executions.list({ namespace: 'hub.triggers' });
  return page.items.map((e) => e.trigger?.payload).reverse();
}

/** Publishes until the hub's trigger has subscribed and started an execution for it. */
async function publishUntilSeen(topic: string, payload: string): Promise<void> {
  await eventually(async () => {
    await publisher.publishAsync(topic, payload, { qos: 1 });
    expect(await payloads()).toContain(JSON.parse(payload));
  }, 15_000);
}

describe('hub triggers', () => {
  it('starts a created flow’s trigger, follows an update, and stops it on delete', async () => {
    expect(await api('POST', '/flows', flow('hub/one'))).toBe(201);
    await eventually(() => expect(hub.triggers.list().map((t) => t.triggerId)).toEqual(['reading']));
    await publishUntilSeen('hub/one', '1');

    expect(await api('PUT', '/flows/hub.triggers/on-reading', flow('hub/two'))).toBe(200);
    await eventually(() => expect(hub.triggers.list()[0]?.revision).toBe(2));
    await publishUntilSeen('hub/two', '2');
    const before = (await payloads()).length;
    await publisher.publishAsync('hub/one', '3', { qos: 1 });

    expect(await api('DELETE', '/flows/hub.triggers/on-reading')).toBe(204);
    await eventually(() => expect(hub.triggers.list()).toEqual([]));
    await publisher.publishAsync('hub/two', '4', { qos: 1 });
    await hub.engine.idle();
    expect((await payloads()).slice(before)).not.toContain(3);
    expect(await payloads()).not.toContain(4);
  });

  it('leaves the triggers of agent flows to the agents', async () => {
    expect(await api('POST', '/flows', flow('hub/agent', 'runsOn:\n  labels:\n    site: far\n', 'far'))).toBe(
      201,
    );
    // Changes apply in order: once the next flow's trigger runs, the agent flow has been seen.
    expect(await api('POST', '/flows', flow('hub/marker', '', 'marker'))).toBe(201);
    await eventually(() => expect(hub.triggers.list().map((t) => t.flowId)).toEqual(['marker']));
  });
});
