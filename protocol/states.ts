/** Execution and task-run states (Kestra's meanings, plus SKIPPED). RETRIED: an execution a retry replaced by a new one. */

export const STATES = [
  'CREATED',
  'QUEUED',
  'RUNNING',
  'PAUSED',
  'RETRYING',
  'SUCCESS',
  'WARNING',
  'FAILED',
  'KILLING',
  'KILLED',
  'CANCELLED',
  'SKIPPED',
  'RETRIED',
] as const;

export type State = (typeof STATES)[number];

const TERMINAL: ReadonlySet<State> = new Set<State>([
  'SUCCESS',
  'WARNING',
  'FAILED',
  'KILLED',
  'CANCELLED',
  'SKIPPED',
  'RETRIED',
]);

/** True when nothing more will happen to an execution or task run in this state. */
export function isTerminal(state: State): boolean {
  return TERMINAL.has(state);
}

/** True for terminal states that count as a failure of the enclosing block. */
export function isFailure(state: State): boolean {
  return state === 'FAILED' || state === 'KILLED' || state === 'CANCELLED';
}

/**
 * Worst-of merge used to derive a parent's state from its children:
 * KILLED > FAILED > WARNING > SUCCESS; SKIPPED children do not count.
 */
export function mergeStates(states: Iterable<State>): State {
  let result: State = 'SUCCESS';
  const rank = (s: State): number =>
    s === 'KILLED' ? 4 : s === 'FAILED' || s === 'CANCELLED' ? 3 : s === 'WARNING' ? 2 : 1;
  for (const s of states) {
    if (s === 'SKIPPED') continue;
    if (rank(s) > rank(result)) result = s === 'CANCELLED' ? 'FAILED' : s;
  }
  return result;
}

/** A flowable task's own state from its children's merged state. */
export function flowableState(children: State): 'SUCCESS' | 'WARNING' | 'FAILED' {
  if (isFailure(children)) return 'FAILED';
  return children === 'WARNING' ? 'WARNING' : 'SUCCESS';
}
