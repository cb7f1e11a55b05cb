/**
 * The agent's local MQTT broker (aedes) for sensors on the device: no
 * credentials, so it listens on loopback unless told otherwise. aedes is
 * loaded only when a broker is started, to keep it out of agents without one.
 */
import type { EventEmitter } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { leanMqttPackets } from '../protocol/mqtt-packets.js';
import type { Logger } from './engine/ports.js';

export interface LocalBrokerOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  logger?: Logger;
}

export interface LocalBroker {
  readonly port: number;
  readonly host: string;
  /** mqtt:// URL to reach it from this machine. */
  readonly url: string;
  close(): Promise<void>;
}

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

/**
 * Starts the broker; rejects when the port is taken.
 *
 * @example
 * const broker = await startLocalBroker({ port: 1883 });
 * // mosquitto_pub -h 127.0.0.1 -t sensors/cold-room -m '{"celsius": 9}'
 * await broker.close();
 */
export async function startLocalBroker(options: LocalBrokerOptions): Promise<LocalBroker> {
  const log = (options.logger ?? silent).child({ component: 'local-broker' });
  const host = options.host ?? '127.0.0.1';
  const { Aedes } = await import('aedes');
  leanMqttPackets();
  const aedes = await Aedes.createBroker();
  // Emitted for persistence failures; unhandled it would end the process.
  (aedes as EventEmitter).on('error', (err: Error) => log.error({ err: err.message }, 'broker error'));
  aedes.on('clientError', (client, err) =>
    log.debug({ clientId: client?.id, err: err.message }, 'client error'),
  );
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err: err.message }, 'listener error'));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  log.info({ host, port }, 'local MQTT broker listening');
  let closing: Promise<void> | undefined;
  return {
    port,
    host,
    url: `mqtt://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closing;
    },
  };
}
