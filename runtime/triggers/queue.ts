/**
 * The bounded queue between triggers and executions: an event storm cannot
 * start executions faster than they end, nor pile up events in memory.
 */
import { TernError } from '../../protocol/errors.js';

/** What a full queue does with the next event: wait for room, or drop it (counted either way it is dropped). */
export type WhenFull = 'wait' | 'drop';
export const WHEN_FULL: readonly WhenFull[] = ['wait', 'drop'];

export interface TriggerQueueOptions {
  /** Executions started by triggers and not yet ended, at most; as many events again may wait under `wait`. */
  capacity: number;
  whenFull: WhenFull;
}

export const DEFAULT_TRIGGER_QUEUE: TriggerQueueOptions = { capacity: 1000, whenFull: 'wait' };

/** Fills the defaults and checks the values; throws a TernError (BAD_REQUEST) naming the one at fault. */
export function compileTriggerQueue(input: Partial<TriggerQueueOptions> = {}): TriggerQueueOptions {
  const capacity = input.capacity ?? DEFAULT_TRIGGER_QUEUE.capacity;
  const whenFull = input.whenFull ?? DEFAULT_TRIGGER_QUEUE.whenFull;
  if (!Number.isInteger(capacity) || capacity < 1)
    throw new TernError('BAD_REQUEST', `triggerQueue.capacity: ${capacity} is not a positive whole number`);
  if (!WHEN_FULL.includes(whenFull))
    throw new TernError(
      'BAD_REQUEST',
      `triggerQueue.whenFull: '${whenFull}' is not one of ${WHEN_FULL.join(', ')}`,
    );
  return { capacity, whenFull };
}

/**
 * Slots for executions started by triggers. `enter` takes one (at once, after
 * a wait, or not at all); `leave` gives it back when the execution ends.
 * Under `wait`, a source that can hold back its producer (an MQTT
 * subscription, a Kafka consumer) asks {@link room} before taking the next
 * event, so that waiting happens upstream (in the broker) and not here; the
 * events that wait here are bounded by `capacity` too, and dropped beyond it.
 *
 * @example
 * const queue = new TriggerQueue({ capacity: 2, whenFull: 'drop' });
 * if ((await queue.enter()) === false) return; // dropped, counted in queue.dropped
 * startExecution().finally(() => queue.leave());
 */
export class TriggerQueue {
  /** Events dropped because the queue was full. */
  dropped = 0;
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private roomWaiters: (() => void)[] = [];

  readonly options: TriggerQueueOptions;

  constructor(options: Partial<TriggerQueueOptions> = {}) {
    this.options = compileTriggerQueue(options);
  }

  /** Executions holding a slot now. */
  get size(): number {
    return this.running;
  }

  /** Events waiting for a slot. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /** True at once when a slot is free; else a promise of true once one is (`wait`), or false when the event is dropped. */
  enter(): boolean | Promise<boolean> {
    if (this.running < this.options.capacity && this.waiting.length === 0) {
      this.running++;
      return true;
    }
    if (this.options.whenFull === 'drop' || this.waiting.length >= this.options.capacity) {
      this.dropped++;
      return false;
    }
    return new Promise((resolve) => {
      this.waiting.push(() => {
        this.running++;
        resolve(true);
      });
    });
  }

  /** Gives a slot back: the longest-waiting event takes it. */
  leave(): void {
    this.running--;
    const next = this.waiting.shift();
    if (next) next();
    else if (this.roomWaiters.length > 0) {
      const waiters = this.roomWaiters;
      this.roomWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /**
   * Undefined when an event would be taken now (or dropped: under `drop` a
   * source never waits); else resolves once a slot is free.
   */
  room(): Promise<void> | undefined {
    if (this.options.whenFull === 'drop') return undefined;
    if (this.running < this.options.capacity && this.waiting.length === 0) return undefined;
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }
}
