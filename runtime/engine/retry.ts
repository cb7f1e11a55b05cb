/** Retry policies (Kestra's constant, exponential and random) compiled once per task. */
import { parseDuration } from '../../protocol/duration.js';
import type { Retry } from '../../protocol/flow.js';

export interface RetryPolicy {
  /** Every attempt counts, the first included. */
  maxAttempts: number;
  maxDurationMs: number | undefined;
  warningOnRetry: boolean;
  /** Kestra's `behavior: CREATE_NEW_EXECUTION`: a failure ends the execution RETRIED and a new one starts. */
  newExecution: boolean;
  /** Delay before attempt `next` (2 for the first retry). */
  delayMs(next: number): number;
}

const NO_RETRY: RetryPolicy = {
  maxAttempts: 1,
  maxDurationMs: undefined,
  warningOnRetry: false,
  newExecution: false,
  delayMs: () => 0,
};

const ms = (text: string | undefined, fallback: number): number =>
  text === undefined ? fallback : (parseDuration(text) ?? fallback);

/**
 * Compiles a retry declaration into a policy. Without `maxAttempts` and
 * `maxDuration` Kestra retries without end; we cap that at 100 attempts so a
 * typo cannot loop forever.
 */
export function compileRetry(retry: Retry | undefined, random: () => number = Math.random): RetryPolicy {
  if (!retry) return NO_RETRY;
  const maxAttempts = retry.maxAttempts ?? retry.maxAttempt ?? (retry.maxDuration ? 10_000 : 100);
  const maxDurationMs = retry.maxDuration ? parseDuration(retry.maxDuration) : undefined;
  const interval = ms(retry.interval, 1000);
  const delayMs = (next: number): number => {
    const n = next - 2; // retries already made
    switch (retry.type) {
      case 'constant':
        return interval;
      case 'exponential': {
        const factor = retry.delayFactor ?? 2;
        const max = ms(retry.maxInterval, Number.POSITIVE_INFINITY);
        return Math.min(interval * factor ** n, max);
      }
      case 'random': {
        const min = ms(retry.minInterval, 0);
        const max = ms(retry.maxInterval, Math.max(min, interval));
        return min + random() * Math.max(0, max - min);
      }
    }
  };
  return {
    maxAttempts,
    maxDurationMs,
    warningOnRetry: retry.warningOnRetry ?? false,
    newExecution: retry.behavior === 'CREATE_NEW_EXECUTION',
    delayMs,
  };
}
