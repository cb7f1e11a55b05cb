/** The hub's embedded MQTT broker (aedes) over TCP, TLS and WebSocket, with per-agent credentials and topic access. */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Server as TlsServer } from 'node:tls';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { Registry } from 'prom-client';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { type Logger, silentLogger } from '../../protocol/logger.js';
import { leanMqttPackets } from '../../protocol/mqtt-packets.js';
import { isValidAgentId, SHARED_DATA_PREFIX } from '../../protocol/topics.js';
import type { PendingConnection } from '../../runtime/broker-guard/admission.js';
import { BrokerGuard } from '../../runtime/broker-guard/guard.js';
import {
  compileLimits,
  HUB_BROKER_DEFAULTS,
  type HubBrokerLimits,
} from '../../runtime/broker-guard/limits.js';
import { MAX_FIXED_HEADER_BYTES } from '../../runtime/broker-guard/packet-size.js';
import { listenError } from '../listen-error.js';
import type { ServerCertificates } from '../tls/certificates.js';
import { tlsServer } from '../tls/listener.js';
import {
  type BrokerIdentity,
  clientIdBelongsTo,
  createAccessPolicy,
  normaliseSharedPrefix,
} from './access.js';
import { isConnectTimeout, isProtocolError, TopicAccessDenied } from './errors.js';
import { BrokerMetrics } from './metrics.js';
import { indexedMemoryPersistence } from './retained-store.js';
import { AgentSessions, type Farewell } from './sessions.js';

/** Username of the hub's own privileged client; no agent can hold it. */
export const HUB_USERNAME = 'tern-hub';

export interface BrokerOptions {
  /** Interface to listen on; tests use 127.0.0.1, the hub passes what it is told. */
  host?: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** MQTT over TLS: a second listener serving `certificates` (and their renewals). */
  tls?: { port: number; host?: string; certificates: ServerCertificates };
  /** Verifies an agent's credentials (username = agent id, password = its token). */
  authenticateAgent(agentId: string, token: string): Promise<boolean>;
  /** Topic prefix any authenticated agent may use for shared data. Default 'tern/v1/data/'. */
  sharedPrefix?: string;
  /** Packet sizes, connect timeout and connection caps; each one missing takes its default. */
  limits?: Partial<HubBrokerLimits>;
  /** Where the broker's refusals are counted (Prometheus). */
  metrics?: Registry;
  logger?: Logger;
}

/** Counters for metrics, since the broker started. */
export interface BrokerStats {
  connectedClients: number;
  /** CONNECTs refused: bad credentials, foreign client id, forbidden will, or a failed credential check. */
  rejectedConnections: number;
  deniedPublishes: number;
  deniedSubscribes: number;
  /** Connections dropped for bytes that are not MQTT or packets that break the protocol. */
  malformedPackets: number;
  /** Connections refused at accept time: caps on unauthenticated connections, connect rate per address. */
  refusedAtAccept: number;
  /** Connections closed for declaring a packet above their limit. */
  packetsTooLarge: number;
  /** Connections closed for sending no CONNECT in time. */
  connectTimeouts: number;
  /** Connections accepted and not yet authenticated, now. */
  pendingConnections: number;
}

export interface Broker {
  /** The bound TCP port. */
  readonly port: number;
  /** The bound MQTT-over-TLS port, when `tls` was given. */
  readonly tlsPort: number | undefined;
  /** Credentials of the hub's own privileged client (random per start). */
  readonly hubCredentials: { username: string; password: string };
  /** Attaches MQTT-over-WebSocket at `path` (default '/mqtt') to an existing HTTP server. */
  attachWebSocket(server: HttpServer, path?: string): void;
  stats(): BrokerStats;
  /**
   * Ends every session of one agent at once, e.g. when it is decommissioned
   * (invalidate its credentials first): from this call on the broker reads
   * nothing more from its connections and forwards nothing to them but
   * `farewell`, written to each before it closes; a check of its credentials
   * already under way is refused. Returns how many connections it had.
   */
  endAgentSessions(agentId: string, farewell?: Farewell): number;
  close(): Promise<void>;
}

// MQTT 3.1.1 CONNACK return codes.
const IDENTIFIER_REJECTED = 2;
const SERVER_UNAVAILABLE = 3;
const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;

/**
 * Starts the broker on TCP. Every client must authenticate: the hub with
 * {@link Broker.hubCredentials}, an agent with its id and token. A denied
 * publish closes the agent's connection (MQTT 3.1.1 lets a broker either
 * acknowledge and drop or disconnect; aedes supports the latter); a denied
 * subscription is granted QoS 128. Before authentication a connection is
 * bounded by `limits` (see {@link BrokerGuard}): refused at accept time over
 * the caps, closed without a CONNECT in time or for a packet declared above
 * the limit of its role.
 *
 * @example
 * const broker = await startBroker({ port: 1883, authenticateAgent: (id, token) => agents.verify(id, token) });
 */
export async function startBroker(options: BrokerOptions): Promise<Broker> {
  const log = (options.logger ?? silentLogger).child({ component: 'broker' });
  const sharedPrefix = normaliseSharedPrefix(options.sharedPrefix ?? SHARED_DATA_PREFIX);
  const policy = createAccessPolicy(sharedPrefix);
  const hubPassword = randomBytes(24).toString('base64url');
  const identities = new WeakMap<Client, BrokerIdentity>();
  const willTopics = new WeakMap<Client, string>();
  const limits = compileLimits(options.limits, HUB_BROKER_DEFAULTS, 'limits');
  const counters = {
    rejectedConnections: 0,
    deniedPublishes: 0,
    deniedSubscribes: 0,
    malformedPackets: 0,
    refusedAtAccept: 0,
    packetsTooLarge: 0,
    connectTimeouts: 0,
  };

  const refuse = (
    done: (e: AuthenticateError, ok: null) => void,
    code: number,
    fields: object,
    why: string,
  ) => {
    counters.rejectedConnections++;
    brokerMetrics?.loginRefused();
    log.warn({ ...fields, returnCode: code }, `connection refused: ${why}`);
    done(Object.assign(new Error(why), { returnCode: code }) as AuthenticateError, null);
  };

  leanMqttPackets();
  const aedes = await Aedes.createBroker({
    persistence: indexedMemoryPersistence(),
    connectTimeout: limits.connectTimeoutMs,
    preConnect(client, packet, callback) {
      // The will is published later on the client's behalf; check its topic at CONNECT, while we can refuse.
      if (packet.will) willTopics.set(client, packet.will.topic);
      callback(null, true);
    },
    authenticate(client, username, password, done) {
      const fields = { clientId: client.id, username };
      const admit = (identity: BrokerIdentity) => {
        const will = willTopics.get(client);
        if (will !== undefined && !policy.mayPublish(identity, will)) {
          refuse(done, NOT_AUTHORIZED, { ...fields, will }, "last will outside the client's topics");
          return;
        }
        identities.set(client, identity);
        if (identity.kind === 'agent') sessions.add(identity.agentId, client);
        done(null, true);
      };
      if (username === HUB_USERNAME) {
        if (password && sameSecret(password, hubPassword)) admit({ kind: 'hub' });
        else refuse(done, BAD_CREDENTIALS, fields, 'wrong hub password');
        return;
      }
      if (!username || !password || !isValidAgentId(username)) {
        refuse(done, BAD_CREDENTIALS, fields, 'missing or malformed credentials');
        return;
      }
      if (!clientIdBelongsTo(username, client.id)) {
        refuse(
          done,
          IDENTIFIER_REJECTED,
          fields,
          'client id must be the agent id or start with "<agent id>:"',
        );
        return;
      }
      // Through a promise chain so a check that throws synchronously is refused like one that rejects.
      const token = password.toString('utf8');
      const generation = sessions.generation(username);
      Promise.resolve()
        .then(() => options.authenticateAgent(username, token))
        .then(
          (ok) => {
            if (!ok) refuse(done, BAD_CREDENTIALS, fields, 'unknown agent or wrong token');
            else if (sessions.endedSince(username, generation))
              refuse(
                done,
                BAD_CREDENTIALS,
                fields,
                'agent decommissioned or given a new token while its credentials were checked',
              );
            else admit({ kind: 'agent', agentId: username });
          },
          (err: unknown) => {
            log.error({ ...fields, err }, 'agent credential check failed');
            refuse(done, SERVER_UNAVAILABLE, fields, 'credential check failed');
          },
        );
    },
    authorizePublish(client, packet, callback) {
      // A null client is the broker replaying a stored will, whose topic was checked at CONNECT.
      const identity = client ? identities.get(client) : { kind: 'hub' as const };
      // An ended session publishes nothing more; its will (published once it is closed) still tells it went away.
      const ended = client !== null && sessions.isEnded(client) && !client.closed;
      if (identity && !ended && policy.mayPublish(identity, packet.topic)) return callback(null);
      counters.deniedPublishes++;
      log.warn({ clientId: client?.id, topic: packet.topic }, 'publish denied');
      callback(new TopicAccessDenied('publish', packet.topic));
    },
    authorizeSubscribe(client, subscription, callback) {
      const identity = identities.get(client);
      if (identity && !sessions.isEnded(client) && policy.maySubscribe(identity, subscription.topic))
        return callback(null, subscription);
      counters.deniedSubscribes++;
      log.warn({ clientId: client.id, filter: subscription.topic }, 'subscribe denied');
      callback(null, null);
    },
    authorizeForward: (client, packet) => (sessions.mayReceive(client, packet.topic) ? packet : null),
  });
  const brokerMetrics = options.metrics && new BrokerMetrics(options.metrics, () => guard.pending);
  const guard = new BrokerGuard(aedes, limits, {
    logger: log,
    packetLimitOf: (client) =>
      identities.get(client)?.kind === 'hub' ? limits.hubPacketBytes : limits.agentPacketBytes,
    onRefused(reason) {
      counters.refusedAtAccept++;
      brokerMetrics?.refusedAtAccept(reason);
    },
    onTooLarge(err, client, authenticated) {
      counters.packetsTooLarge++;
      brokerMetrics?.closedConnection('packet_too_large');
      log.warn(
        { clientId: client?.id, authenticated, declaredBytes: err.declaredBytes, limitBytes: err.limitBytes },
        'packet above the limit; connection closed',
      );
    },
  });
  const sessions = new AgentSessions((client) => guard.mute(client));

  const onClientError = (client: Client | undefined, err: Error) => {
    if (isConnectTimeout(err)) {
      counters.connectTimeouts++;
      brokerMetrics?.closedConnection('connect_timeout');
      log.debug({ err: err.message }, 'no CONNECT in time; connection closed');
    } else if (isProtocolError(err)) {
      counters.malformedPackets++;
      log.warn({ clientId: client?.id, err: err.message }, 'malformed MQTT traffic; connection closed');
    } else {
      log.debug({ clientId: client?.id, err: err.message }, 'client connection error');
    }
  };
  aedes.on('clientError', onClientError);
  aedes.on('connectionError', onClientError);
  // Not in aedes' typed events, but emitted for persistence failures; unhandled it would crash the process.
  (aedes as EventEmitter).on('error', (err: Error) => log.error({ err }, 'broker error'));
  aedes.on('clientReady', (client) => log.debug({ clientId: client.id }, 'client connected'));
  aedes.on('clientDisconnect', (client) => log.debug({ clientId: client.id }, 'client disconnected'));

  // Tracked so close() can end connections that never sent CONNECT (aedes only knows registered clients).
  const openSockets = new Set<Socket | Duplex>();
  const track = (conn: Socket | Duplex) => {
    openSockets.add(conn);
    conn.once('close', () => openSockets.delete(conn));
  };

  // Plain and TLS sockets alike; a TLS one arrives here once its handshake is done, admitted before it began.
  const onSocket = (socket: Socket, pending = guard.admit(socket)) => {
    if (!pending) return socket.destroy();
    socket.setNoDelay(true);
    track(socket);
    guard.handle(socket, pending);
  };
  const tcp = createServer((socket) => onSocket(socket));
  await listen(tcp, options.port, options.host, (err) => listenError(err, 'MQTT', options, '--mqtt-port'));
  // Errors once listening; one while starting is the start's to report.
  tcp.on('error', (err) => log.error({ err }, 'TCP listener error'));
  const port = boundPort(tcp, options.port);
  log.info({ host: options.host, port }, 'MQTT broker listening');
  let secure: TlsServer | undefined;
  if (options.tls) {
    // Admitted from the first byte, so that the caps also bound handshakes; close() ends those still in one.
    const admitted = new Map<string, PendingConnection>();
    const peer = (socket: Socket) => `${socket.remoteAddress}|${socket.remotePort}`;
    secure = tlsServer(
      options.tls.certificates,
      (socket) => {
        const pending = admitted.get(peer(socket));
        admitted.delete(peer(socket));
        if (pending) onSocket(socket, pending);
        else socket.destroy();
      },
      log,
    );
    secure.on('connection', (raw: Socket) => {
      track(raw);
      const pending = guard.admit(raw);
      if (!pending) return raw.destroy();
      const key = peer(raw);
      admitted.set(key, pending);
      raw.once('close', () => admitted.delete(key));
    });
    const at = options.tls;
    await listen(secure, at.port, at.host, (err) => listenError(err, 'MQTT over TLS', at, '--mqtts-port'));
    secure.on('error', (err) => log.error({ err }, 'TLS listener error'));
    log.info(
      { host: options.tls.host, port: boundPort(secure, options.tls.port) },
      'MQTT over TLS listening',
    );
  }

  const detachers: Array<() => void> = [];
  let closing: Promise<void> | undefined;

  return {
    port,
    tlsPort: secure && boundPort(secure, options.tls!.port),
    hubCredentials: { username: HUB_USERNAME, password: hubPassword },
    attachWebSocket(server, path = '/mqtt') {
      // ws gathers a whole message before the broker sees a byte: no message may exceed what an agent may send.
      const wss = new WebSocketServer({
        noServer: true,
        maxPayload: limits.agentPacketBytes + MAX_FIXED_HEADER_BYTES,
      });
      const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (new URL(req.url ?? '/', 'http://localhost').pathname !== path) {
          // Leave other paths to other upgrade handlers; with none, Node would leave the socket hanging.
          if (server.listenerCount('upgrade') === 1) socket.destroy();
          return;
        }
        const pending = guard.admit(socket as Socket);
        if (!pending) {
          socket.write('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
          socket.destroy();
          return;
        }
        (socket as Socket).setNoDelay?.(true);
        wss.handleUpgrade(req, socket, head, (ws) => {
          const stream = createWebSocketStream(ws);
          track(stream);
          guard.handle(stream, pending, req);
        });
      };
      server.on('upgrade', onUpgrade);
      detachers.push(() => {
        server.off('upgrade', onUpgrade);
        for (const ws of wss.clients) ws.terminate();
        wss.close();
      });
      log.info({ path }, 'MQTT over WebSocket attached');
    },
    stats: () => ({
      connectedClients: aedes.connectedClients,
      pendingConnections: guard.pending,
      ...counters,
    }),
    endAgentSessions(agentId, farewell) {
      const ended = sessions.end(agentId, farewell);
      log.info({ agentId, connections: ended }, 'agent sessions ended by the hub');
      return ended;
    },
    close() {
      closing ??= (async () => {
        for (const detach of detachers) detach();
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        for (const conn of openSockets) conn.destroy();
        await new Promise<void>((resolve) => tcp.close(() => resolve()));
        if (secure) await new Promise<void>((resolve) => secure.close(() => resolve()));
        log.info({ port }, 'MQTT broker closed');
      })();
      return closing;
    },
  };
}

/** Constant-time comparison, so response timing does not reveal how much of a password matched. */
function sameSecret(given: Buffer, expected: string): boolean {
  const want = Buffer.from(expected, 'utf8');
  return given.length === want.length && timingSafeEqual(given, want);
}

function boundPort(server: Server | TlsServer, asked: number): number {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : asked;
}

function listen(
  server: Server | TlsServer,
  port: number,
  host: string | undefined,
  fail: (err: NodeJS.ErrnoException) => Error,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => reject(fail(err));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}
