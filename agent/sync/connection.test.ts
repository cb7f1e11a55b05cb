import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../protocol/backoff.js';
import {
  CONNECTION_EVENTS,
  CONNECTION_STATES,
  Connection,
  type ConnectionEvent,
  type ConnectionState,
  nextState,
} from './connection.js';

/** Every transition the agent's connection may make; anything else is ignored. */
const ALLOWED: [ConnectionState, ConnectionEvent, ConnectionState][] = [
  ['CONNECTING', 'connected', 'ACTIVE'],
  ['CONNECTING', 'lost', 'RECONNECTING'],
  ['CONNECTING', 'close', 'CLOSING'],
  ['ACTIVE', 'lost', 'RECONNECTING'],
  ['ACTIVE', 'close', 'CLOSING'],
  ['RECONNECTING', 'retry', 'CONNECTING'],
  ['RECONNECTING', 'close', 'CLOSING'],
  ['CLOSING', 'closed', 'CLOSED'],
];

describe('connection transitions', () => {
  for (const [from, event, to] of ALLOWED) {
    it(`goes from ${from} to ${to} on ${event}`, () => {
      expect(nextState(from, event)).toBe(to);
    });
  }

  const allowed = new Set(ALLOWED.map(([from, event]) => `${from}:${event}`));
  for (const from of CONNECTION_STATES) {
    const ignored = CONNECTION_EVENTS.filter((event) => !allowed.has(`${from}:${event}`));
    it(`ignores ${ignored.join(', ')} in ${from}`, () => {
      for (const event of ignored) expect(nextState(from, event)).toBeUndefined();
    });
  }
});

describe('Connection', () => {
  it('starts in CONNECTING', () => {
    expect(new Connection().state).toBe('CONNECTING');
  });

  it('tells listeners each transition with the state it left and the event', () => {
    const c = new Connection();
    const seen: string[] = [];
    c.onTransition((to, from, event) => seen.push(`${from}-${event}->${to}`));
    c.fire('connected');
    c.fire('lost');
    c.fire('retry');
    expect(seen).toEqual([
      'CONNECTING-connected->ACTIVE',
      'ACTIVE-lost->RECONNECTING',
      'RECONNECTING-retry->CONNECTING',
    ]);
  });

  it('keeps its state and tells no one when an event does not apply', () => {
    const c = new Connection();
    let calls = 0;
    c.onTransition(() => calls++);
    expect(c.fire('retry')).toBe(false);
    expect([c.state, calls]).toEqual(['CONNECTING', 0]);
  });

  it('ends in CLOSED, where a late lost connection changes nothing', () => {
    const c = new Connection();
    c.fire('connected');
    c.fire('close');
    c.fire('lost');
    c.fire('closed');
    expect([c.state, c.fire('lost'), c.fire('retry')]).toEqual(['CLOSED', false, false]);
  });
});

describe('backoffDelay', () => {
  const limits = { minMs: 500, maxMs: 30_000 };

  it('waits at least the minimum, even when the jitter draws zero', () => {
    expect(backoffDelay(0, limits, () => 0)).toBe(500);
  });

  it('doubles the ceiling with each attempt', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, limits, () => 1))).toEqual([500, 1000, 2000, 4000]);
  });

  it('never exceeds the maximum', () => {
    expect(backoffDelay(50, limits, () => 1)).toBe(30_000);
  });

  it('spreads delays uniformly below the ceiling (full jitter)', () => {
    expect(backoffDelay(4, limits, () => 0.5)).toBe(4000);
  });
});
