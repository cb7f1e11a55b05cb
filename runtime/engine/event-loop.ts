/**
 * Gives the event loop a turn when the engine has held it too long. A flow's tasks follow each
 * other through promises that are already settled, so without a turn a flow of many quick tasks
 * runs from start to end in one go: no request is served, no timer fires and no kill is heard
 * until it ends.
 */

/** How long the engine may run before it lets the event loop serve requests, timers and kills. */
export const TURN_AFTER_MS = 20;

/** When the engine's current run without a turn began; reset by the next turn of the event loop. */
let since: number | undefined;

const turned = () => {
  since = undefined;
};

/**
 * A promise to await before the next task when the engine has run for {@link TURN_AFTER_MS}
 * without the event loop getting a turn; undefined (nothing to wait for) otherwise.
 *
 * @example const turn = eventLoopTurn(); if (turn) await turn;
 */
export function eventLoopTurn(): Promise<void> | undefined {
  const now = performance.now();
  if (since === undefined) {
    // Once per turn of the event loop: the next one marks the end of this run.
    since = now;
    setImmediate(turned);
    return undefined;
  }
  if (now - since < TURN_AFTER_MS) return undefined;
  return new Promise((resolve) => setImmediate(resolve));
}
