/** Measures how many task runs were RUNNING at the same time during a test. */
import type { Engine } from '../../runtime/engine/engine.js';

/**
 * Starts watching the task runs whose id `ids` accepts; the function returned
 * gives the highest number of them seen RUNNING at once so far.
 */
export function trackConcurrency(engine: Engine, ids: (taskId: string) => boolean): () => number {
  let current = 0;
  let max = 0;
  const seen = new Map<string, string>();
  engine.on({
    taskRun(tr) {
      if (!ids(tr.taskId)) return;
      const before = seen.get(tr.id);
      seen.set(tr.id, tr.state);
      if (tr.state === 'RUNNING' && before !== 'RUNNING') max = Math.max(max, ++current);
      if (before === 'RUNNING' && tr.state !== 'RUNNING') current--;
    },
  });
  return () => max;
}
