/**
 * Which new connections a broker takes, decided at accept time before any
 * byte is read: caps on connections not yet authenticated (in total and per
 * address) and a connect rate per address (a token bucket).
 */
import type { Logger } from '../../protocol/logger.js';

/** The caps {@link Admission} enforces; every field is required (defaults live in `limits.ts`). */
export interface AdmissionLimits {
  /** Connections accepted and not yet authenticated, from all addresses together. */
  maxPending: number;
  /** The same, from one address (an IPv6 /64 counts as one address). */
  maxPendingPerAddress: number;
  /** New connections one address may open per second, on average. */
  connectsPerSecondPerAddress: number;
  /** ... and at once, after a quiet spell. */
  connectBurstPerAddress: number;
}

/** Why a connection was refused at accept time, as the metric labels it. */
export type Refusal = 'pending' | 'pending_per_address' | 'rate';

/** A connection that counts against the caps until it authenticates or closes. */
export interface PendingConnection {
  /** Stops counting it; calling again does nothing. */
  settle(): void;
}

interface AddressState {
  pending: number;
  tokens: number;
  refilledAt: number;
  /** When a refusal of this address was last logged, and how many were not logged since. */
  loggedAt: number;
  unlogged: number;
}

/** A refusal is logged at most once per address per this interval; the metric counts them all. */
const LOG_INTERVAL_MS = 60_000;
/** Idle addresses are forgotten at most this often, so the table follows the live ones. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Counts pending connections and connect attempts per address.
 *
 * @example
 * const admission = new Admission(limits, { logger, onRefused: (reason) => refused.inc({ reason }) });
 * const pending = admission.admit(socket.remoteAddress);
 * if (!pending) return socket.destroy();
 * socket.once('close', () => pending.settle()); // and settle() once the client authenticates
 */
export class Admission {
  private pendingTotal = 0;
  private readonly addresses = new Map<string, AddressState>();
  private sweptAt: number;

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly hooks: { logger: Logger; onRefused?: (reason: Refusal) => void },
    private readonly now: () => number = () => performance.now(),
  ) {
    this.sweptAt = now();
  }

  /** Connections accepted and not yet authenticated. */
  get pending(): number {
    return this.pendingTotal;
  }

  /** Takes the connection (it counts as pending until settled), or refuses it: logs, counts, returns undefined. */
  admit(remoteAddress: string | undefined): PendingConnection | undefined {
    const now = this.now();
    if (now - this.sweptAt >= SWEEP_INTERVAL_MS) this.sweep(now);
    const key = addressKey(remoteAddress);
    const state = this.addresses.get(key) ?? this.fresh(key, now);
    this.refill(state, now);
    const refusal: Refusal | undefined =
      state.tokens < 1
        ? 'rate'
        : state.pending >= this.limits.maxPendingPerAddress
          ? 'pending_per_address'
          : this.pendingTotal >= this.limits.maxPending
            ? 'pending'
            : undefined;
    if (refusal) {
      this.refuse(key, state, refusal, now);
      return undefined;
    }
    state.tokens -= 1;
    state.pending++;
    this.pendingTotal++;
    let settled = false;
    return {
      settle: () => {
        if (settled) return;
        settled = true;
        state.pending--;
        this.pendingTotal--;
      },
    };
  }

  private fresh(key: string, now: number): AddressState {
    const state = {
      pending: 0,
      tokens: this.limits.connectBurstPerAddress,
      refilledAt: now,
      loggedAt: -Infinity,
      unlogged: 0,
    };
    this.addresses.set(key, state);
    return state;
  }

  private refill(state: AddressState, now: number): void {
    const earned = ((now - state.refilledAt) / 1000) * this.limits.connectsPerSecondPerAddress;
    state.tokens = Math.min(this.limits.connectBurstPerAddress, state.tokens + earned);
    state.refilledAt = now;
  }

  private refuse(key: string, state: AddressState, reason: Refusal, now: number): void {
    this.hooks.onRefused?.(reason);
    if (now - state.loggedAt < LOG_INTERVAL_MS) {
      state.unlogged++;
      return;
    }
    this.hooks.logger.warn(
      { address: key, reason, refusedSinceLastLog: state.unlogged, pending: this.pendingTotal },
      'MQTT connection refused at accept',
    );
    state.loggedAt = now;
    state.unlogged = 0;
  }

  /** Forgets addresses with nothing pending, a full bucket and no recent refusal: they behave as new ones. */
  private sweep(now: number): void {
    this.sweptAt = now;
    for (const [key, state] of this.addresses) {
      this.refill(state, now);
      const idle = state.pending === 0 && state.tokens >= this.limits.connectBurstPerAddress;
      if (idle && now - state.loggedAt >= LOG_INTERVAL_MS) this.addresses.delete(key);
    }
  }
}

/**
 * The key an address is counted under: an IPv4 address (also when mapped into
 * IPv6) as is, an IPv6 address by its /64 prefix, since one host usually holds
 * a whole /64.
 *
 * @example addressKey('2001:db8:1:2:aa::1') // '2001:db8:1:2::/64'
 */
export function addressKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const bare = address.split('%')[0]!;
  const [head = '', tail] = bare.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros =
    tail === undefined ? [] : Array(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill('0');
  const groups = [...headGroups, ...zeros, ...tailGroups].slice(0, 4);
  return `${groups.map((g) => Number.parseInt(g, 16).toString(16)).join(':')}::/64`;
}
