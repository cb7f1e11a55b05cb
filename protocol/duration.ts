/** ISO-8601 durations (`PT30S`, `P1DT2H`) as milliseconds. */
import { Duration } from 'luxon';

/**
 * A duration pattern usable in JSON Schemas (which have no flags: letters
 * either case, as Java's `Duration.parse` reads them); the parser below is
 * the authority.
 */
export const DURATION_PATTERN =
  '^-?[Pp](?!$)(\\d+(?:\\.\\d+)?[Yy])?(\\d+(?:\\.\\d+)?[Mm])?(\\d+(?:\\.\\d+)?[Ww])?(\\d+(?:\\.\\d+)?[Dd])?([Tt](?=\\d)(\\d+(?:\\.\\d+)?[Hh])?(\\d+(?:\\.\\d+)?[Mm])?(\\d+(?:\\.\\d+)?[Ss])?)?$';

/**
 * Parses an ISO-8601 duration into milliseconds, or returns undefined when the
 * text is not one. Letters may be lower case and seconds may have a fraction
 * (`PT0.25s`), as Java's `Duration.parse`, which Kestra uses, reads them.
 *
 * @example parseDuration('PT1M30S') // 90000
 */
export function parseDuration(text: string): number | undefined {
  const d = Duration.fromISO(text.toUpperCase());
  if (!d.isValid) return undefined;
  return d.as('milliseconds');
}

/** Like {@link parseDuration} but throws a message naming the bad value. */
export function durationMs(text: string, what = 'duration'): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`${what}: '${text}' is not an ISO-8601 duration such as PT30S`);
  return ms;
}

/** Formats milliseconds as an ISO-8601 duration, e.g. 1500 → 'PT1.5S'. */
export function formatDuration(ms: number): string {
  return Duration.fromMillis(ms).shiftTo('hours', 'minutes', 'seconds').toISO() ?? `PT${ms / 1000}S`;
}

const SHORT_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a duration written either in ISO-8601 (`PT30S`) or short (`30s`,
 * `500ms`, `5m`, `1h`, `1d`) into milliseconds; undefined when it is neither.
 *
 * @example parseShortOrIsoDuration('30s') // 30000
 */
export function parseShortOrIsoDuration(text: string): number | undefined {
  const short = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(text.trim());
  if (short) return Number(short[1]) * SHORT_UNITS[short[2]!]!;
  return parseDuration(text);
}
