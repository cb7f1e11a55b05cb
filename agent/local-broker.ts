/**
 * The agent's local MQTT broker (aedes) for sensors on the device: no
 * credentials, so it listens on loopback unless told otherwise. aedes is
 * loaded only when a broker is started, to keep it out of agents without one.
 */
import type { EventEmitter } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { type Logger, silentLogger } from '../protocol/logger.js';
import { leanMqttPackets } from '../protocol/mqtt-packets.js';
import { BrokerGuard } from '../runtime/broker-guard/guard.js';
import {
  compileLimits,
  LOCAL_BROKER_DEFAULTS,
  type LocalBrokerLimits,
} from '../runtime/broker-guard/limits.js';

export interface LocalBrokerOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Packet sizes, connect timeout and caps on connections that have not connected yet; defaults for the rest. */
  limits?: Partial<LocalBrokerLimits>;
  logger?: Logger;
}

export interface LocalBroker {
  readonly port: number;
  readonly host: string;
  /** mqtt:// URL to reach it from this machine. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts the broker; rejects when the port is taken. With no logins, every
 * client is bounded as the hub's broker bounds one before authentication
 * (caps at accept, connect timeout, a small CONNECT), then by
 * `clientPacketBytes`.
 *
 * @example
 * const broker = await startLocalBroker({ port: 1883 });
 * // mosquitto_pub -h 127.0.0.1 -t sensors/cold-room -m '{"celsius": 9}'
 * await broker.close();
 */
export async function startLocalBroker(options: LocalBrokerOptions): Promise<LocalBroker> {
  const log = (options.logger ?? silentLogger).child({ component: 'local-broker' });
  const host = options.host ?? '127.0.0.1';
  const limits = compileLimits(options.limits, LOCAL_BROKER_DEFAULTS, 'localBroker.limits');
  const { Aedes } = await import('aedes');
  leanMqttPackets();
  const aedes = await Aedes.createBroker({ connectTimeout: limits.connectTimeoutMs });
  const guard = new BrokerGuard(aedes, limits, {
    logger: log,
    packetLimitOf: () => limits.clientPacketBytes,
    onTooLarge: (err, client) =>
      log.warn(
        { clientId: client?.id, declaredBytes: err.declaredBytes, limitBytes: err.limitBytes },
        'packet above the limit; connection closed',
      ),
  });
  // Emitted for persistence failures; unhandled it would end the process.
  (aedes as EventEmitter).on('error', (err: Error) => log.error({ err: err.message }, 'broker error'));
  aedes.on('clientError', (client, err) =>
    log.debug({ clientId: client?.id, err: err.message }, 'client error'),
  );
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    const pending = guard.admit(socket);
    if (!pending) return socket.destroy();
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    guard.handle(socket, pending);
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
