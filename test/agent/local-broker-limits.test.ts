/**
 * The agent's local broker for sensors, which has no logins, bounds every
 * client as the hub bounds one before authentication: real broker, real
 * sockets and a real mqtt.js sensor.
 */
import type { Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { type LocalBroker, startLocalBroker } from '../../agent/local-broker.js';
import {
  closedWithin,
  connectHeader,
  floodConnect,
  openSocket,
  rssGrowthDuring,
} from '../support/mqtt-flood.js';

const MiB = 1024 * 1024;
let broker: LocalBroker;
const sockets: Socket[] = [];
const clients: MqttClient[] = [];

beforeAll(async () => {
  broker = await startLocalBroker({
    port: 0,
    limits: {
      connectTimeoutMs: 1500,
      clientPacketBytes: 256 * 1024,
      maxPendingPerAddress: 3,
      maxPending: 100,
    },
  });
});

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const c of clients.splice(0)) await c.endAsync(true);
});

afterAll(() => broker?.close());

async function open(localAddress?: string): Promise<Socket> {
  const socket = await openSocket(broker.port, localAddress);
  sockets.push(socket);
  return socket;
}

async function sensor(): Promise<MqttClient> {
  const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
  clients.push(client);
  return client;
}

it('cuts a CONNECT declaring 256 MB at its header without buffering its body', async () => {
  const flood = await open();
  const { result: sent, growth } = await rssGrowthDuring(() => floodConnect(flood, 64 * MiB));
  expect(await closedWithin(flood, 5000)).toBe(true);
  expect(sent).toBeLessThan(64 * MiB);
  expect(growth).toBeLessThan(32 * MiB);
});

it('closes a socket that sends no CONNECT once the connect timeout passes', async () => {
  const idle = await open();
  idle.write(connectHeader(100));
  expect(await closedWithin(idle, 6000)).toBe(true);
});

it('cuts a sensor whose message is above the packet limit; the others go on', async () => {
  const big = await sensor();
  const small = await sensor();
  big.publish('sensors/camera', Buffer.alloc(512 * 1024), { qos: 0 });
  await vi.waitFor(() => expect(big.connected).toBe(false), { timeout: 5000, interval: 10 });
  await small.publishAsync('sensors/cold-room', '{"celsius": 9}', { qos: 1 });
  expect(small.connected).toBe(true);
});

it('refuses a fourth socket from one address that has not connected yet', async () => {
  const held = await Promise.all([1, 2, 3].map(() => open('127.0.0.9')));
  const refused = await open('127.0.0.9');
  expect(await closedWithin(refused, 2000)).toBe(true);
  expect(held.map((s) => s.closed)).toEqual([false, false, false]);
});
