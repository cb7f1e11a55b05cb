import { KilledError } from './errors.js';

/**
 * Whether an execution, a task list or an attempt has been told to stop, and
 * why. The engine reads this several times per task; Node takes microseconds
 * to make an AbortSignal and a fraction of one to read its `aborted`, so the
 * signal is made only when a plugin asks for it.
 */
export class Abort {
  aborted = false;
  reason: unknown;
  private controller: AbortController | undefined;
  private listeners: Set<() => void> | undefined;

  /** An abort that follows this one, and can also be aborted alone (a timeout); `unlink` stops the following. */
  child(): { abort: Abort; unlink: () => void } {
    const abort = new Abort();
    if (this.aborted) {
      abort.abort(this.reason);
      return { abort, unlink: () => {} };
    }
    return { abort, unlink: this.onAbort(() => abort.abort(this.reason)) };
  }

  /** The same state as an AbortSignal, for plugins and the APIs they call. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** Stopped by a kill, not by a timeout. */
  get killed(): boolean {
    return this.aborted && this.reason instanceof KilledError;
  }

  /** Aborts with `reason`; later calls change nothing. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    if (this.listeners) for (const listener of [...this.listeners]) listener();
    this.listeners = undefined;
  }

  /** Calls `listener` when aborted (never if it already is); returns the function that removes it. */
  onAbort(listener: () => void): () => void {
    if (this.aborted) return () => {};
    this.listeners ??= new Set();
    const listeners = this.listeners;
    listeners.add(listener);
    return () => listeners.delete(listener);
  }
}
