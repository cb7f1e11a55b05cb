/**
 * The hub's change feed: every execution change (hub-run or ingested from an
 * agent), agent change and flow change, for the API's global event stream.
 */
import type { Execution } from '../protocol/execution.js';
import type { Rollout } from './store/rollout-records.js';
import type { AgentRow } from './store/types.js';

/** One change, as the `/events` stream sends it (`type` is the SSE event name). */
export type HubEvent =
  | { type: 'execution'; data: Execution }
  | { type: 'agent'; data: AgentRow }
  | { type: 'flow'; data: { namespace: string; id: string } }
  | { type: 'rollout'; data: Rollout };

export type HubEventListener = (event: HubEvent) => void;

/** What the API reads the feed through. */
export interface HubEventSource {
  /** Calls `listener` for every change from now on; returns the unsubscribe function. */
  subscribe(listener: HubEventListener): () => void;
}

/**
 * A synchronous fan-out. A listener that throws is skipped, so one broken
 * subscriber cannot stop the others.
 *
 * @example
 * const bus = new HubEventBus();
 * const off = bus.subscribe((e) => console.log(e.type));
 * bus.emit({ type: 'flow', data: { namespace: 'demo', id: 'hello' } });
 */
export class HubEventBus implements HubEventSource {
  private readonly listeners = new Set<HubEventListener>();

  /** True while someone listens: producers may skip reading what nobody would receive. */
  get active(): boolean {
    return this.listeners.size > 0;
  }

  subscribe(listener: HubEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: HubEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A subscriber's failure is its own.
      }
    }
  }
}
