/**
 * One aedes broker's guard: refuses connections at accept time (admission),
 * counts each one as pending until it authenticates, and caps the packets it
 * may declare, before authentication and after it.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Aedes, Client } from 'aedes';
import type { Logger } from '../../protocol/logger.js';
import { Admission, type PendingConnection, type Refusal } from './admission.js';
import type { GuardLimits } from './limits.js';
import { assertReadsByPull, limitPacketSize, type PacketTooLarge, type ReadTap } from './packet-size.js';

export interface BrokerGuardHooks {
  logger: Logger;
  /** The largest packet an authenticated client may declare. */
  packetLimitOf(client: Client): number;
  /** A connection refused at accept time (already logged, at most once per address per minute). */
  onRefused?(reason: Refusal): void;
  /** A connection closed for declaring a packet above its limit; `client` is undefined before its CONNECT. */
  onTooLarge?(err: PacketTooLarge, client: Client | undefined, authenticated: boolean): void;
}

/**
 * Create aedes with `connectTimeout: limits.connectTimeoutMs`, then one guard
 * per broker; every listener goes through {@link admit} and {@link handle}.
 *
 * @example
 * const guard = new BrokerGuard(aedes, limits, { logger, packetLimitOf: () => 1 << 20 });
 * createServer((socket) => {
 *   const pending = guard.admit(socket);
 *   if (pending) guard.handle(socket, pending);
 *   else socket.destroy();
 * });
 */
export class BrokerGuard {
  private readonly admission: Admission;
  private readonly pendingOf = new WeakMap<Client, PendingConnection>();
  private readonly authenticated = new WeakSet<Client>();
  private readonly taps = new WeakMap<Client, ReadTap>();

  constructor(
    private readonly aedes: Aedes,
    private readonly limits: GuardLimits,
    private readonly hooks: BrokerGuardHooks,
  ) {
    assertReadsByPull((conn) => aedes.handle(conn));
    this.admission = new Admission(limits, { logger: hooks.logger, onRefused: hooks.onRefused });
    // Emitted once the credentials are accepted, before the CONNACK and before anything else is read.
    aedes.on('client', (client) => {
      this.authenticated.add(client);
      this.pendingOf.get(client)?.settle();
    });
  }

  /** Connections accepted and not yet authenticated. */
  get pending(): number {
    return this.admission.pending;
  }

  /**
   * Decides at accept time, before any byte is read: undefined when refused
   * (the caller closes the socket). Admitted, it counts as pending until it
   * authenticates or `socket` closes.
   */
  admit(socket: Socket): PendingConnection | undefined {
    const pending = this.admission.admit(socket.remoteAddress);
    if (pending) socket.once('close', () => pending.settle());
    return pending;
  }

  /** Hands an admitted connection (the socket, or the stream over it) to aedes with its packet limits. */
  handle(conn: Duplex, pending: PendingConnection, req?: IncomingMessage): Client {
    let client: Client | undefined;
    const authenticated = () => client !== undefined && this.authenticated.has(client);
    const tap = limitPacketSize(
      conn,
      () => (authenticated() ? this.hooks.packetLimitOf(client!) : this.limits.preAuthPacketBytes),
      (err) => this.hooks.onTooLarge?.(err, client?.id ? client : undefined, authenticated()),
    );
    client = this.aedes.handle(conn, req);
    this.pendingOf.set(client, pending);
    this.taps.set(client, tap);
    return client;
  }

  /** From now on the broker reads nothing more from `client`: whatever it sends is dropped unread. */
  mute(client: Client): void {
    this.taps.get(client)?.mute();
  }
}
