/** Abort: the engine's stop state, and the AbortSignal it makes only when asked. */
import { describe, expect, it } from 'vitest';
import { Abort } from './abort.js';
import { KilledError, TimeoutError } from './errors.js';

describe('Abort', () => {
  it('keeps the first reason and calls each listener once', () => {
    const abort = new Abort();
    const calls: string[] = [];
    abort.onAbort(() => calls.push('a'));
    abort.onAbort(() => calls.push('b'));
    const first = new TimeoutError('slow');
    abort.abort(first);
    abort.abort(new KilledError());
    expect([abort.aborted, abort.reason, abort.killed, calls]).toEqual([true, first, false, ['a', 'b']]);
  });

  it('calls no listener that was removed, nor one added after the abort', () => {
    const abort = new Abort();
    const calls: string[] = [];
    const remove = abort.onAbort(() => calls.push('removed'));
    remove();
    abort.abort(new KilledError());
    abort.onAbort(() => calls.push('late'));
    expect([abort.killed, calls]).toEqual([true, []]);
  });

  it('gives a signal that follows it, whether made before or after the abort', () => {
    const early = new Abort();
    const signal = early.signal;
    const reason = new KilledError();
    early.abort(reason);
    const late = new Abort();
    late.abort(reason);
    expect([signal.aborted, signal.reason, late.signal.aborted, late.signal.reason]).toEqual([
      true,
      reason,
      true,
      reason,
    ]);
    expect(early.signal).toBe(signal);
  });

  it('makes children that follow their parent until unlinked, and can abort alone', () => {
    const parent = new Abort();
    const followed = parent.child();
    const unlinked = parent.child();
    const alone = parent.child();
    unlinked.unlink();
    const timeout = new TimeoutError('task timed out');
    alone.abort.abort(timeout);
    const kill = new KilledError();
    parent.abort(kill);
    expect([followed.abort.reason, unlinked.abort.aborted, alone.abort.reason]).toEqual([
      kill,
      false,
      timeout,
    ]);
    expect(parent.child().abort.reason).toBe(kill);
  });
});
