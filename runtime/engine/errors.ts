/** Reasons an engine aborts work: a kill, or a timeout (task attempt or whole flow). */

export class KilledError extends Error {
  override name = 'KilledError';
  constructor(message = 'execution killed') {
    super(message);
  }
}

export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/**
 * A flowable stopped its other children (a Dag's `onChildFailure`, a Parallel's `failFast`): they end
 * in `state`, the execution goes on.
 */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
  constructor(
    readonly state: 'CANCELLED' | 'FAILED' | 'KILLED',
    message: string,
  ) {
    super(message);
  }
}

/** The message of anything thrown, without a stack. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : JSON.stringify(err);
}
