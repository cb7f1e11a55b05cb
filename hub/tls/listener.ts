/** TLS servers that follow the hub's certificate: a renewal reaches new connections, open ones keep theirs. */
import type { Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { Logger } from '../../protocol/logger.js';
import type { ServerCertificates } from './certificates.js';

/** How long a client may take to finish the handshake: a socket that never does holds no resources for long. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** Anything with a secure context to replace: `tls.Server`, `https.Server`. */
interface SecureServer {
  setSecureContext(options: { cert: Buffer; key: Buffer }): void;
  once(event: 'close', listener: () => void): unknown;
}

/**
 * Gives `server` each renewed pair from `certificates` until it closes.
 * `setSecureContext` applies to connections accepted from then on; those
 * already open keep the certificate they were served.
 *
 * @example followCertificates(httpsServer, certificates);
 */
export function followCertificates(server: SecureServer, certificates: ServerCertificates): void {
  const stop = certificates.onChange((pair) => server.setSecureContext(pair));
  server.once('close', stop);
}

/**
 * A TLS server on the current certificate that hands each socket to
 * `onSocket` once its handshake is done, and follows renewals. Handshake
 * failures (a client that does not trust the certificate, a scanner) are
 * logged at debug level: the client's own log says why.
 *
 * @example const server = tlsServer(certificates, (socket) => aedes.handle(socket), log);
 */
export function tlsServer(
  certificates: ServerCertificates,
  onSocket: (socket: TLSSocket) => void,
  log: Logger,
): Server {
  const server = createServer(
    { ...certificates.current(), handshakeTimeout: HANDSHAKE_TIMEOUT_MS },
    onSocket,
  );
  server.on('tlsClientError', (err: Error, socket: Socket) =>
    log.debug({ remoteAddress: socket.remoteAddress, err: err.message }, 'TLS handshake failed'),
  );
  followCertificates(server, certificates);
  return server;
}
