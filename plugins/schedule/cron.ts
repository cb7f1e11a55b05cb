/** Cron expressions for the `schedule` trigger, on croner: 5 fields, 6 with seconds, `@hourly`-style shortcuts. */
import { Cron } from 'croner';
import { DateTime, IANAZone } from 'luxon';

/** A compiled schedule: dates strictly after or before a given instant, in epoch ms. */
export interface CronSchedule {
  /** The first date strictly after `after`, or undefined when the pattern has no more dates. */
  next(after: number): number | undefined;
  /** Up to `limit` dates in (`after`, `upTo`], oldest first; `dropped` is true when older ones were left out. */
  between(after: number, upTo: number, limit: number): { dates: number[]; dropped: boolean };
  /** The date as ISO-8601 in the schedule's time zone. */
  iso(ms: number): string;
}

/** The time zone used when a schedule names none: the machine's, as in Kestra. */
export const systemZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/**
 * Compiles a cron expression; throws an Error saying what is wrong.
 *
 * @example compileCron('*\/5 * * * *', { timezone: 'Europe/Paris' }).next(Date.now())
 */
export function compileCron(
  expression: string,
  options: { withSeconds?: boolean; timezone?: string } = {},
): CronSchedule {
  const zone = options.timezone ?? systemZone();
  if (!IANAZone.isValidZone(zone))
    throw new Error(`'${zone}' is not a known time zone (IANA name such as Europe/Paris)`);
  const text = expression.trim();
  const fields = text.split(/\s+/).length;
  const shortcut = text.startsWith('@');
  const wanted = options.withSeconds ? 6 : 5;
  if (!shortcut && fields !== wanted) {
    throw new Error(
      options.withSeconds
        ? `'${text}' has ${fields} fields; with withSeconds: true a cron expression has 6 (second minute hour day month weekday)`
        : `'${text}' has ${fields} fields; a cron expression has 5 (minute hour day month weekday), or 6 with withSeconds: true`,
    );
  }
  let cron: Cron;
  try {
    cron = new Cron(text, { mode: shortcut || !options.withSeconds ? '5-part' : '6-part', timezone: zone });
  } catch (err) {
    throw new Error(
      `'${text}' is not a valid cron expression: ${(err as Error).message.replace(/^CronPattern: /, '')}`,
    );
  }
  return {
    next: (after) => cron.nextRun(new Date(after))?.getTime(),
    between(after, upTo, limit) {
      // Newest first from croner; an instant equal to `upTo` is included.
      const found = cron.previousRuns(limit, new Date(upTo + 1)).map((d) => d.getTime());
      const dates = found.filter((ms) => ms > after).reverse();
      return { dates, dropped: dates.length === limit };
    },
    iso: (ms) => DateTime.fromMillis(ms, { zone }).toISO() ?? new Date(ms).toISOString(),
  };
}
