/** The agent's connection to the hub as an explicit state machine, and the reconnect backoff. */

export const CONNECTION_STATES = ['CONNECTING', 'ACTIVE', 'RECONNECTING', 'CLOSING', 'CLOSED'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

/**
 * What happens to a connection: `connected` (CONNACK and subscriptions
 * granted), `lost` (socket closed or refused), `retry` (the backoff elapsed),
 * `close` (the agent stops), `closed` (the session is ended).
 */
export const CONNECTION_EVENTS = ['connected', 'lost', 'retry', 'close', 'closed'] as const;
export type ConnectionEvent = (typeof CONNECTION_EVENTS)[number];

/** Every transition there is; an event missing from a state's row does not apply in that state. */
export const TRANSITIONS: Readonly<
  Record<ConnectionState, Partial<Record<ConnectionEvent, ConnectionState>>>
> = {
  CONNECTING: { connected: 'ACTIVE', lost: 'RECONNECTING', close: 'CLOSING' },
  ACTIVE: { lost: 'RECONNECTING', close: 'CLOSING' },
  RECONNECTING: { retry: 'CONNECTING', close: 'CLOSING' },
  // A socket that drops while we close is what closing means: nothing to do.
  CLOSING: { closed: 'CLOSED' },
  CLOSED: {},
};

/**
 * The state after `event`, or undefined when the event does not apply (a late
 * `lost` after `close`, say), which callers ignore.
 *
 * @example nextState('ACTIVE', 'lost') // 'RECONNECTING'
 */
export function nextState(state: ConnectionState, event: ConnectionEvent): ConnectionState | undefined {
  return TRANSITIONS[state][event];
}

export type TransitionListener = (to: ConnectionState, from: ConnectionState, event: ConnectionEvent) => void;

/** Holds the current state; every change goes through {@link Connection.fire}. */
export class Connection {
  private current: ConnectionState = 'CONNECTING';
  private readonly listeners = new Set<TransitionListener>();

  get state(): ConnectionState {
    return this.current;
  }

  /** Applies `event`; returns false (and changes nothing) when it does not apply in the current state. */
  fire(event: ConnectionEvent): boolean {
    const from = this.current;
    const to = nextState(from, event);
    if (to === undefined) return false;
    this.current = to;
    for (const listener of this.listeners) listener(to, from, event);
    return true;
  }

  /** Calls `listener` after every transition; returns the unsubscribe function. */
  onTransition(listener: TransitionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
