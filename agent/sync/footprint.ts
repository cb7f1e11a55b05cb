/** What the agent costs its device: memory, heap, event loop delay and start-up time, for its status. */
import { type IntervalHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { Footprint } from '../../protocol/messages.js';

/** Coarse enough to cost nothing on an idle device, fine enough to see a blocked loop. */
const DELAY_RESOLUTION_MS = 20;

/** Samples the process's footprint; {@link ready} marks the end of start-up. */
export interface FootprintMeter {
  /** The footprint now; the event loop delay is over the time since the previous call. */
  sample(): Footprint;
  /** Connected with the flows applied: the first call records the time since the process started, and returns true. */
  ready(): boolean;
  stop(): void;
}

/**
 * Starts measuring the event loop's delay. Start-up is measured from the
 * process's start (`performance.timeOrigin`), so it includes loading the code.
 *
 * @example
 * const meter = footprintMeter();
 * meter.ready(); // once connected with the flows applied
 * meter.sample(); // { rssBytes, heapUsedBytes, heapLimitBytes, eventLoopDelayP99Ms, readyMs }
 */
export function footprintMeter(): FootprintMeter {
  const delay: IntervalHistogram = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
  delay.enable();
  let readyMs: number | undefined;
  return {
    sample() {
      const heap = process.memoryUsage();
      // In nanoseconds: how late the histogram's own timer fired.
      const p99 = delay.count > 0 ? delay.percentile(99) / 1e6 : 0;
      delay.reset();
      return {
        rssBytes: heap.rss,
        heapUsedBytes: heap.heapUsed,
        heapLimitBytes: getHeapStatistics().heap_size_limit,
        eventLoopDelayP99Ms: Math.round(p99 * 1000) / 1000,
        ...(readyMs !== undefined && { readyMs }),
      };
    },
    ready() {
      if (readyMs !== undefined) return false;
      readyMs = Math.round(performance.now() * 10) / 10;
      return true;
    },
    stop() {
      delay.disable();
    },
  };
}
