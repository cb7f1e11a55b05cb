/** A clock tests move by hand: timers fire, in order, only when time is advanced past them. */
import type { Clock } from '../../runtime/engine/ports.js';

interface Timer {
  id: number;
  due: number;
  fn: () => void;
}

/** Lets promise chains started by a timer settle before the next one fires. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

export class ManualClock implements Clock {
  private current: number;
  private timers: Timer[] = [];
  private nextId = 1;

  constructor(start: string | number) {
    this.current = typeof start === 'number' ? start : Date.parse(start);
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const timer = { id: this.nextId++, due: this.current + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time to `target` (ISO date or epoch ms), firing each timer due on the way at its own time. */
  async advanceTo(target: string | number): Promise<void> {
    const end = typeof target === 'number' ? target : Date.parse(target);
    for (;;) {
      await settle();
      const next = this.timers.filter((t) => t.due <= end).sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = Math.max(this.current, next.due);
      next.fn();
    }
    this.current = Math.max(this.current, end);
    await settle();
  }

  /**
   * Moves time to `target` at once, then fires the timers due by then, each
   * late: what a timer sees when the event loop was held up past it.
   */
  async jumpTo(target: string | number): Promise<void> {
    this.current = Math.max(this.current, typeof target === 'number' ? target : Date.parse(target));
    await this.advanceTo(this.current);
  }

  /** Moves time by `ms`. */
  advance(ms: number): Promise<void> {
    return this.advanceTo(this.current + ms);
  }
}
