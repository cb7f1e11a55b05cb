/** Kestra's time windows (`timeWindow`, `sla`): within which the ends a `flow` trigger waits for count together. */
import { Type as T } from '@sinclair/typebox';
import { parseShortOrIsoDuration } from '../../protocol/duration.js';
import type { PropertyProblem } from '../../protocol/plugin.js';

const DAY_MS = 24 * 3600_000;

export const TimeWindowSchema = T.Object(
  {
    type: T.Optional(
      T.Union(
        [
          T.Literal('DURATION_WINDOW'),
          T.Literal('SLIDING_WINDOW'),
          T.Literal('DAILY_TIME_DEADLINE'),
          T.Literal('DAILY_TIME_WINDOW'),
        ],
        {
          description:
            'DURATION_WINDOW (default): fixed windows of `window` from midnight UTC plus `windowAdvance`; SLIDING_WINDOW: the last `window`; DAILY_TIME_DEADLINE: from midnight UTC to `deadline`; DAILY_TIME_WINDOW: from `startTime` to `endTime` each day (UTC)',
        },
      ),
    ),
    window: T.Optional(T.String({ minLength: 1, description: 'ISO-8601 duration; default 1 day' })),
    windowAdvance: T.Optional(T.String({ minLength: 1, description: 'Where DURATION_WINDOW windows start' })),
    deadline: T.Optional(T.String({ minLength: 1, description: 'HH:mm:ss, for DAILY_TIME_DEADLINE' })),
    startTime: T.Optional(T.String({ minLength: 1, description: 'HH:mm:ss, for DAILY_TIME_WINDOW' })),
    endTime: T.Optional(T.String({ minLength: 1, description: 'HH:mm:ss, for DAILY_TIME_WINDOW' })),
  },
  { additionalProperties: false },
);

export interface TimeWindow {
  type?: 'DURATION_WINDOW' | 'SLIDING_WINDOW' | 'DAILY_TIME_DEADLINE' | 'DAILY_TIME_WINDOW';
  window?: string;
  windowAdvance?: string;
  deadline?: string;
  startTime?: string;
  endTime?: string;
}

/** Milliseconds since midnight of a `HH:mm[:ss]` time of day, or undefined. */
function timeOfDay(text: string | undefined): number | undefined {
  const m = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text ?? '');
  if (!m) return undefined;
  const [h, min, s] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  return h < 24 && min < 60 && s < 60 ? ((h * 60 + min) * 60 + s) * 1000 : undefined;
}

/** What a window says wrong, under `path`. */
export function checkTimeWindow(tw: TimeWindow, path: string): PropertyProblem[] {
  const problems: PropertyProblem[] = [];
  for (const key of ['window', 'windowAdvance'] as const) {
    const value = tw[key];
    if (value !== undefined && !(parseShortOrIsoDuration(value)! >= (key === 'window' ? 1 : 0)))
      problems.push({ path: `${path}.${key}`, message: `'${value}' is not a positive duration` });
  }
  const needs: Record<string, (keyof TimeWindow)[]> = {
    DAILY_TIME_DEADLINE: ['deadline'],
    DAILY_TIME_WINDOW: ['startTime', 'endTime'],
  };
  for (const key of needs[tw.type ?? ''] ?? [])
    if (timeOfDay(tw[key]) === undefined)
      problems.push({ path: `${path}.${key}`, message: `${tw.type} needs \`${key}\` as HH:mm:ss` });
  return problems;
}

/**
 * The window `now` falls in, as [start, end) in ms since the epoch, or
 * undefined when it falls in none (outside a daily time window): ends count
 * together only within the same window.
 */
export function currentWindow(now: number, tw: TimeWindow): { start: number; end: number } | undefined {
  const window = parseShortOrIsoDuration(tw.window ?? '') ?? DAY_MS;
  const midnight = Math.floor(now / DAY_MS) * DAY_MS;
  switch (tw.type ?? 'DURATION_WINDOW') {
    case 'SLIDING_WINDOW':
      return { start: now - window, end: now + 1 };
    case 'DAILY_TIME_DEADLINE': {
      const deadline = midnight + (timeOfDay(tw.deadline) ?? 0);
      return now < deadline ? { start: midnight, end: deadline } : undefined;
    }
    case 'DAILY_TIME_WINDOW': {
      const start = midnight + (timeOfDay(tw.startTime) ?? 0);
      const end = midnight + (timeOfDay(tw.endTime) ?? DAY_MS);
      return now >= start && now < end ? { start, end } : undefined;
    }
    default: {
      const advance = parseShortOrIsoDuration(tw.windowAdvance ?? '') ?? 0;
      const start = Math.floor((now - advance) / window) * window + advance;
      return { start, end: start + window };
    }
  }
}
