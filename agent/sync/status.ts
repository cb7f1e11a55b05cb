/** What an agent's status carries besides its connection state: its version, load, outbox, footprint and triggers; and when it is sent early. */
import type { Execution } from '../../protocol/execution.js';
import type { Status } from '../../protocol/messages.js';
import { isTerminal } from '../../protocol/states.js';
import type { Engine } from '../../runtime/engine/engine.js';
import type { TriggerRuntime } from '../../runtime/triggers/runtime.js';
import type { FootprintMeter } from './footprint.js';
import type { Outbox } from './outbox.js';

/** Running and queued executions, counted from the engine's changes. */
export interface LoadTracker {
  current(): NonNullable<Status['load']>;
  stop(): void;
}

/** Starts counting the engine's running and queued executions, for the status message. */
export function trackLoad(engine: Engine): LoadTracker {
  const states = new Map<string, Execution['state']>();
  const stop = engine.on({
    execution: (e) => {
      if (isTerminal(e.state)) states.delete(e.id);
      else states.set(e.id, e.state);
    },
  });
  return {
    current() {
      let queued = 0;
      for (const s of states.values()) if (s === 'QUEUED') queued++;
      return { running: states.size - queued, queued, rssBytes: process.memoryUsage.rss() };
    },
    stop,
  };
}

/** The status' content as of now. */
export function statusReport(s: {
  version: string;
  load: LoadTracker;
  outbox: Outbox;
  triggers: TriggerRuntime;
  footprint: FootprintMeter;
}): Pick<Status, 'version' | 'load' | 'outbox' | 'footprint' | 'triggers'> {
  return {
    version: s.version,
    load: s.load.current(),
    outbox: s.outbox.stats(),
    footprint: s.footprint.sample(),
    triggers: s.triggers.status(),
  };
}

/**
 * Triggers change with every event: the hub hears of it through `publish`
 * at most once per `intervalMs`. Returns what stops it.
 */
export function publishTriggerChanges(
  triggers: TriggerRuntime,
  publish: () => void,
  intervalMs: number,
): () => void {
  let timer: NodeJS.Timeout | undefined;
  const off = triggers.onChange(() => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      publish();
    }, intervalMs);
    timer.unref();
  });
  return () => {
    off();
    clearTimeout(timer);
  };
}
