/** The limits an MQTT broker enforces on connections and packets, with their defaults, checked once. */
import { MAX_DESIRED_BYTES, MAX_MESSAGE_BYTES } from '../../protocol/messages.js';
import type { AdmissionLimits } from './admission.js';

/** What every broker Tern runs enforces before a client is authenticated. */
export interface GuardLimits extends AdmissionLimits {
  /** A connection that has not sent a complete CONNECT within this time is closed. */
  connectTimeoutMs: number;
  /** Largest packet, by the length its header declares, before the client is authenticated (the CONNECT). */
  preAuthPacketBytes: number;
}

/** Room for a topic and the packet's own fields above the payload limits of the sync protocol. */
const ENVELOPE_BYTES = 64 * 1024;

/**
 * Defaults before authentication. A CONNECT carries a client id, a will and a
 * login: a few hundred bytes. An address behind which a whole fleet
 * reconnects at once (one NAT) gets 100 connections at once, then 20 a
 * second; raise these for larger fleets behind one address.
 */
export const GUARD_DEFAULTS: GuardLimits = {
  connectTimeoutMs: 10_000,
  preAuthPacketBytes: 64 * 1024,
  maxPending: 256,
  maxPendingPerAddress: 32,
  connectsPerSecondPerAddress: 20,
  connectBurstPerAddress: 100,
};

/** The hub's embedded broker: also the largest packet each kind of authenticated client may send. */
export interface HubBrokerLimits extends GuardLimits {
  /** An agent: the largest message the hub takes from an agent, plus room for its topic. */
  agentPacketBytes: number;
  /** The hub's own sessions (fleet, Kafka bridge): the largest `desired`, plus room for its topic. */
  hubPacketBytes: number;
}

export const HUB_BROKER_DEFAULTS: HubBrokerLimits = {
  ...GUARD_DEFAULTS,
  agentPacketBytes: MAX_MESSAGE_BYTES + ENVELOPE_BYTES,
  hubPacketBytes: MAX_DESIRED_BYTES + ENVELOPE_BYTES,
};

/** An agent's local broker for sensors, which has no logins: one limit for every client once connected. */
export interface LocalBrokerLimits extends GuardLimits {
  clientPacketBytes: number;
}

export const LOCAL_BROKER_DEFAULTS: LocalBrokerLimits = {
  ...GUARD_DEFAULTS,
  clientPacketBytes: MAX_MESSAGE_BYTES + ENVELOPE_BYTES,
};

/**
 * Fills `defaults` in and checks that every value is a positive integer and
 * every key is known; throws an Error naming the key.
 *
 * @example compileLimits({ maxPending: 1000 }, HUB_BROKER_DEFAULTS, 'mqttLimits')
 */
export function compileLimits<L extends GuardLimits>(
  input: Readonly<Record<string, unknown>> | undefined,
  defaults: L,
  where: string,
): L {
  const limits = { ...defaults } as Record<string, unknown>;
  for (const [key, value] of Object.entries(input ?? {})) {
    if (!Object.hasOwn(defaults, key))
      throw new Error(`${where}.${key}: unknown limit (known: ${Object.keys(defaults).join(', ')})`);
    if (value === undefined) continue;
    if (!(Number.isSafeInteger(value) && (value as number) > 0))
      throw new Error(`${where}.${key}: must be a positive integer, got ${JSON.stringify(value)}`);
    limits[key] = value;
  }
  return limits as L;
}

/**
 * Limits given as text (`--mqtt-limits`, `--local-broker-limits`): a JSON
 * object of the ones to change, checked later by {@link compileLimits}.
 *
 * @example parseLimits('{"connectsPerSecondPerAddress": 100}', '--mqtt-limits')
 */
export function parseLimits(text: string, where: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${where}: not JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`${where}: must be a JSON object, e.g. {"maxPending": 1000}`);
  return parsed as Record<string, unknown>;
}
