/** Errors of the embedded broker, and how to tell a client's protocol fault from a transport failure. */

import { TernError } from '../../protocol/errors.js';
import { PacketTooLarge } from '../../runtime/broker-guard/packet-size.js';

/** A client tried to publish or subscribe outside the topics it may use. */
export class TopicAccessDenied extends TernError {
  override name = 'TopicAccessDenied';
  constructor(
    readonly action: 'publish' | 'subscribe',
    readonly topic: string,
  ) {
    super('FORBIDDEN', `${action} on '${topic}' is not allowed for this client`, { action, topic });
  }
}

/** What aedes says when a connection sent no CONNECT within `connectTimeout`. */
const CONNECT_TIMEOUT_MESSAGE = 'connect did not arrive in time';

/** Errors aedes raises for a connection's lifecycle rather than for what the client sent. */
const LIFECYCLE_MESSAGES = new Set([
  CONNECT_TIMEOUT_MESSAGE,
  'keep alive timeout',
  'drain timeout',
  'connection closed',
  'Client queue limit reached',
]);

/**
 * True when aedes closed a connection because of what the client sent: bytes
 * that are not MQTT, or a packet that breaks the protocol. Socket failures
 * (which carry a system `code`), timeouts, refused CONNECTs (which carry an
 * `errorCode`, counted where they are refused), topic denials and packets
 * above the size limit (counted where they are cut) are not.
 */
export function isProtocolError(err: Error): boolean {
  if (err instanceof TopicAccessDenied || err instanceof PacketTooLarge) return false;
  if (typeof (err as { code?: unknown }).code === 'string') return false;
  if (typeof (err as { errorCode?: unknown }).errorCode === 'number') return false;
  return !LIFECYCLE_MESSAGES.has(err.message);
}

/** True when aedes closed a connection that sent no CONNECT within its `connectTimeout`. */
export function isConnectTimeout(err: Error): boolean {
  return err.message === CONNECT_TIMEOUT_MESSAGE;
}
