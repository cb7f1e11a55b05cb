/**
 * A hub answers HTTP only once it is ready, stops when it cannot reach its MQTT broker at start, and
 * reports a lost broker connection on `/healthz` until it is back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestHub, until } from '../support/hub-api.js';

const ADMIN = 'tern_readiness_admin_token_0123456789';
const dir = mkdtempSync(join(tmpdir(), 'tern-readiness-'));
let n = 0;
const dataDir = () => join(dir, `hub-${n++}`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A TCP server on a free loopback port, keeping its sockets so they can be cut. */
async function tcpServer(onSocket: (socket: Socket) => void = () => {}): Promise<{
  server: Server;
  port: number;
  sockets: Set<Socket>;
}> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, sockets };
}

async function freePort(): Promise<number> {
  const { server, port } = await tcpServer();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function stopServer(s: { server: Server; sockets: Set<Socket> }): Promise<void> {
  for (const socket of s.sockets) socket.destroy();
  await new Promise((resolve) => s.server.close(resolve));
}

const health = async (url: string) => {
  const res = await fetch(`${url}/api/v1/healthz`);
  return { status: res.status, body: (await res.json()) as Record<string, string> };
};

/** A real aedes broker on `port` (0: any), standing in for an external broker that can go away. */
async function externalBroker(port = 0) {
  const aedes = await Aedes.createBroker();
  const tcp = await new Promise<{ server: Server; sockets: Set<Socket>; port: number }>((resolve) => {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      aedes.handle(socket);
    });
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, sockets, port: typeof address === 'object' && address ? address.port : port });
    });
  });
  return {
    port: tcp.port,
    async stop() {
      await stopServer(tcp);
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}

describe('hub readiness', () => {
  it('does not answer HTTP while it waits for its broker, and stops with the reason when it cannot reach it', async () => {
    let connected = false;
    // A broker that accepts the connection and never answers it.
    const silent = await tcpServer(() => {
      connected = true;
    });
    const port = await freePort();
    const started = startTestHub(dataDir(), ADMIN, { port, brokerUrl: `mqtt://127.0.0.1:${silent.port}` });
    const failure = started.then(
      () => undefined,
      (err: Error) => err,
    );
    await until(() => connected, 'the hub connects to the broker', 90_000);

    const early = await fetch(`http://127.0.0.1:${port}/api/v1/healthz`).catch((err: Error) => err);
    expect(early).toBeInstanceOf(Error);
    expect(((early as Error).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');

    // The broker goes away: the hub's next attempt is refused, and the start fails naming the broker.
    await stopServer(silent);
    const err = await failure;
    expect(err?.message).toMatch(
      new RegExp(
        `^cannot connect to the MQTT broker at mqtt://127\\.0\\.0\\.1:${silent.port}: .*ECONNREFUSED`,
      ),
    );
    const after = await fetch(`http://127.0.0.1:${port}/api/v1/healthz`).catch((e: Error) => e);
    expect(after).toBeInstanceOf(Error);
  }, 120_000);

  it('reports 503 with broker "unavailable" while its broker connection is down, and 200 once it is back', async () => {
    let broker = await externalBroker();
    const hub = await startTestHub(dataDir(), ADMIN, { brokerUrl: `mqtt://127.0.0.1:${broker.port}` });
    try {
      expect(await health(hub.url)).toEqual({
        status: 200,
        body: { status: 'ok', database: 'ok', broker: 'ok' },
      });

      await broker.stop();
      await until(
        async () => (await health(hub.url)).status === 503,
        'the hub reports the broker down',
        60_000,
      );
      expect((await health(hub.url)).body).toEqual({
        status: 'unavailable',
        database: 'ok',
        broker: 'unavailable',
      });

      broker = await externalBroker(broker.port);
      await until(
        async () => (await health(hub.url)).status === 200,
        'the hub reports the broker back',
        60_000,
      );
      expect((await health(hub.url)).body.broker).toBe('ok');
    } finally {
      await hub.close();
      await broker.stop();
    }
  }, 120_000);

  it('reports the embedded broker connection too', async () => {
    const hub = await startTestHub(dataDir(), ADMIN);
    try {
      expect((await health(hub.url)).body).toEqual({ status: 'ok', database: 'ok', broker: 'ok' });
    } finally {
      await hub.close();
    }
  });
});
