/**
 * One shared connection to the hub's `/events` stream for the whole app,
 * reconnecting with backoff. Pages subscribe with {@link useHubEvents}; after
 * every (re)connection a `ready` event tells them to reload what they show.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { type Agent, API, type Execution, type Rollout } from './api.js';
import { readEvents } from './sse.js';

export type HubEvent =
  | { type: 'ready' }
  | { type: 'execution'; data: Execution }
  | { type: 'agent'; data: Agent }
  | { type: 'flow'; data: { namespace: string; id: string } }
  | { type: 'rollout'; data: Rollout };

export type LiveState = 'connecting' | 'live' | 'offline';

const listeners = new Set<(event: HubEvent) => void>();
const stateListeners = new Set<(state: LiveState) => void>();
let state: LiveState = 'connecting';
let abort: AbortController | undefined;

function setState(next: LiveState): void {
  state = next;
  for (const l of stateListeners) l(next);
}

function dispatch(event: HubEvent): void {
  for (const l of listeners) l(event);
}

async function run(signal: AbortSignal): Promise<void> {
  let delay = 500;
  while (!signal.aborted) {
    setState('connecting');
    try {
      await readEvents(
        `${API}/events`,
        (m) => {
          if (m.event === 'ready') {
            delay = 500;
            setState('live');
            dispatch({ type: 'ready' });
          } else if (['execution', 'agent', 'flow', 'rollout'].includes(m.event)) {
            dispatch({ type: m.event, data: JSON.parse(m.data) } as HubEvent);
          }
        },
        signal,
      );
    } catch {
      // Reconnect below.
    }
    if (signal.aborted) return;
    setState('offline');
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 10_000);
  }
}

/** Opens the shared stream (once signed in). */
export function startLive(): void {
  if (abort) return;
  abort = new AbortController();
  void run(abort.signal);
}

/** Closes it (at sign-out). */
export function stopLive(): void {
  abort?.abort();
  abort = undefined;
  setState('connecting');
}

/** Calls `listener` with every hub event while the component is mounted; the latest listener is used. */
export function useHubEvents(listener: (event: HubEvent) => void): void {
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => {
    const l = (e: HubEvent) => ref.current(e);
    listeners.add(l);
    return () => {
      listeners.delete(l);
    };
  }, []);
}

/** The connection's state, for the header's indicator. */
export function useLiveState(): LiveState {
  const [value, set] = useState(state);
  useEffect(() => {
    stateListeners.add(set);
    set(state);
    return () => {
      stateListeners.delete(set);
    };
  }, []);
  return value;
}
