/** The hub's embedded MQTT broker (aedes) over TCP, TLS and WebSocket, with per-agent credentials and topic access. */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Server as TlsServer } from 'node:tls';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { createWebSocketStream, WebSocketServer } from 'ws';
import type { Logger } from '../../agent/engine/ports.js';
import { leanMqttPackets } from '../../protocol/mqtt-packets.js';
import { isValidAgentId, SHARED_DATA_PREFIX } from '../../protocol/topics.js';
import type { ServerCertificates } from '../tls/certificates.js';
import { tlsServer } from '../tls/listener.js';
import {
  type BrokerIdentity,
  clientIdBelongsTo,
  createAccessPolicy,
  normaliseSharedPrefix,
} from './access.js';
import { isProtocolError, TopicAccessDenied } from './errors.js';
import { indexedMemoryPersistence } from './retained-store.js';

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
  /** Closes every connection of one agent, e.g. after its token was revoked; returns how many. */
  disconnectAgent(agentId: string): number;
  close(): Promise<void>;
}

// MQTT 3.1.1 CONNACK return codes.
const IDENTIFIER_REJECTED = 2;
const SERVER_UNAVAILABLE = 3;
const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;

const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};

/**
 * Starts the broker on TCP. Every client must authenticate: the hub with
 * {@link Broker.hubCredentials}, an agent with its id and token. A denied
 * publish closes the agent's connection (MQTT 3.1.1 lets a broker either
 * acknowledge and drop or disconnect; aedes supports the latter); a denied
 * subscription is granted QoS 128.
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
  const counters = { rejectedConnections: 0, deniedPublishes: 0, deniedSubscribes: 0, malformedPackets: 0 };

  const refuse = (
    done: (e: AuthenticateError, ok: null) => void,
    code: number,
    fields: object,
    why: string,
  ) => {
    counters.rejectedConnections++;
    log.warn({ ...fields, returnCode: code }, `connection refused: ${why}`);
    done(Object.assign(new Error(why), { returnCode: code }) as AuthenticateError, null);
  };

  leanMqttPackets();
  const aedes = await Aedes.createBroker({
    persistence: indexedMemoryPersistence(),
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
      Promise.resolve()
        .then(() => options.authenticateAgent(username, token))
        .then(
          (ok) => {
            if (ok) admit({ kind: 'agent', agentId: username });
            else refuse(done, BAD_CREDENTIALS, fields, 'unknown agent or wrong token');
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
      if (identity && policy.mayPublish(identity, packet.topic)) return callback(null);
      counters.deniedPublishes++;
      log.warn({ clientId: client?.id, topic: packet.topic }, 'publish denied');
      callback(new TopicAccessDenied('publish', packet.topic));
    },
    authorizeSubscribe(client, subscription, callback) {
      const identity = identities.get(client);
      if (identity && policy.maySubscribe(identity, subscription.topic)) return callback(null, subscription);
      counters.deniedSubscribes++;
      log.warn({ clientId: client.id, filter: subscription.topic }, 'subscribe denied');
      callback(null, null);
    },
  });

  const onClientError = (client: Client | undefined, err: Error) => {
    if (isProtocolError(err)) {
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
  const agentClients = new Set<Client>();
  aedes.on('clientReady', (client) => {
    if (identities.get(client)?.kind === 'agent') agentClients.add(client);
    log.debug({ clientId: client.id }, 'client connected');
  });
  aedes.on('clientDisconnect', (client) => {
    agentClients.delete(client);
    log.debug({ clientId: client.id }, 'client disconnected');
  });

  // Tracked so close() can end connections that never sent CONNECT (aedes only knows registered clients).
  const openSockets = new Set<Socket | Duplex>();
  const track = (conn: Socket | Duplex) => {
    openSockets.add(conn);
    conn.once('close', () => openSockets.delete(conn));
  };

  // Plain and TLS sockets alike: TLS ones arrive here once their handshake is done.
  const onSocket = (socket: Socket) => {
    socket.setNoDelay(true);
    track(socket);
    aedes.handle(socket);
  };
  const tcp = createServer(onSocket);
  tcp.on('error', (err) => log.error({ err }, 'TCP listener error'));
  await listen(tcp, options.port, options.host);
  const port = boundPort(tcp, options.port);
  log.info({ host: options.host, port }, 'MQTT broker listening');
  let secure: TlsServer | undefined;
  if (options.tls) {
    secure = tlsServer(options.tls.certificates, onSocket, log);
    secure.on('error', (err) => log.error({ err }, 'TLS listener error'));
    // From the first byte, so close() also ends sockets still in their handshake.
    secure.on('connection', track);
    await listen(secure, options.tls.port, options.tls.host);
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
      const wss = new WebSocketServer({ noServer: true });
      wss.on('connection', (ws, req: IncomingMessage) => {
        const stream = createWebSocketStream(ws);
        track(stream);
        aedes.handle(stream, req);
      });
      const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (new URL(req.url ?? '/', 'http://localhost').pathname !== path) {
          // Leave other paths to other upgrade handlers; with none, Node would leave the socket hanging.
          if (server.listenerCount('upgrade') === 1) socket.destroy();
          return;
        }
        (socket as Socket).setNoDelay?.(true);
        wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      };
      server.on('upgrade', onUpgrade);
      detachers.push(() => {
        server.off('upgrade', onUpgrade);
        for (const ws of wss.clients) ws.terminate();
        wss.close();
      });
      log.info({ path }, 'MQTT over WebSocket attached');
    },
    stats: () => ({ connectedClients: aedes.connectedClients, ...counters }),
    disconnectAgent(agentId) {
      let closed = 0;
      for (const client of agentClients) {
        const identity = identities.get(client);
        if (identity?.kind !== 'agent' || identity.agentId !== agentId) continue;
        agentClients.delete(client);
        client.close();
        closed++;
      }
      if (closed > 0) log.info({ agentId, connections: closed }, 'agent disconnected by the hub');
      return closed;
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

function listen(server: Server | TlsServer, port: number, host: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
