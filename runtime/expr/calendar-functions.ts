/** Kestra's calendar functions: `isWeekend`, `dayOfWeek`, `dayOfMonth`, `monthOfYear`, `hourOfDay`, `isDayWeekInMonth`, `isLastWorkingDay`, `isPublicHoliday`, `isDateAfter`, `isDateBefore`, `isDateBetween`. */
import type { DayOfWeek, Instant, LocalDate } from '@js-joda/core';
import { fail } from './errors.js';
import { isPublicHoliday as publicHoliday } from './lib/holidays.js';
import { joda } from './lib/joda.js';
import { type FunctionDef, fn } from './library.js';
import { toText } from './values.js';

const DAY_NAMES = 'MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY';
const POSITIONS = ['FIRST', 'SECOND', 'THIRD', 'FOURTH', 'LAST'] as const;

/** The `date` argument's text, or Kestra's error when it is missing. */
function dateText(value: unknown, what: string): string {
  if (value === null || value === undefined)
    return fail(`The '${what}()' function expects a 'date' argument.`);
  return toText(value);
}

/** Kestra's `DateUtils.parseLocalDate`: an ISO date, else the date of an ISO zoned date-time, as written. */
function localDate(value: unknown, what: string): LocalDate {
  const text = dateText(value, what);
  const { LocalDate, ZonedDateTime } = joda();
  try {
    return LocalDate.parse(text);
  } catch {
    try {
      return ZonedDateTime.parse(text).toLocalDate();
    } catch (err) {
      return fail(`The '${what}()' function could not parse 'date': ${(err as Error).message}`);
    }
  }
}

/** `DayOfWeek.valueOf(name.toUpperCase())`, or undefined. */
function dayOfWeek(name: string): DayOfWeek | undefined {
  return joda()
    .DayOfWeek.values()
    .find((d) => d.name() === name.trim().toUpperCase());
}

/** True when `date` is the `position`th `day` of its month (FIRST … FOURTH, LAST). */
function isDayWeekInMonth([date, day, position]: unknown[]): boolean {
  const what = 'isDayWeekInMonth';
  const local = localDate(date, what);
  if (day === null || day === undefined)
    return fail(`The '${what}()' function expects a 'dayOfWeek' argument.`);
  if (position === null || position === undefined)
    return fail(`The '${what}()' function expects a 'position' argument.`);
  const weekday =
    dayOfWeek(toText(day)) ??
    fail(
      `The '${what}()' function received an invalid 'dayOfWeek' value: '${toText(day)}'. Expected one of: ${DAY_NAMES}.`,
    );
  const { TemporalAdjusters } = joda();
  const index = POSITIONS.indexOf(toText(position).toUpperCase() as (typeof POSITIONS)[number]);
  if (index < 0)
    return fail(
      `The '${what}()' function received an invalid 'position' value: '${toText(position)}'. Expected one of: ${POSITIONS.join(', ')}.`,
    );
  const wanted =
    index === 4
      ? local.with(TemporalAdjusters.lastInMonth(weekday))
      : local.with(TemporalAdjusters.firstInMonth(weekday)).plusWeeks(index);
  return wanted.isEqual(local);
}

/** The days `workingDays` names (comma or space separated), Monday to Friday when blank. */
function workingDays(value: unknown): DayOfWeek[] {
  const what = 'isLastWorkingDay';
  const text = value === null || value === undefined ? '' : toText(value);
  if (text.trim() === '') return joda().DayOfWeek.values().slice(0, 5);
  const days = text
    .split(/[,\s]+/)
    .filter((part) => part !== '')
    .map(
      (part) =>
        dayOfWeek(part) ??
        fail(
          `The '${what}()' function received an invalid 'workingDays' value: '${part}'. Expected day names like MONDAY, TUESDAY, etc.`,
        ),
    );
  if (days.length === 0)
    return fail(`The '${what}()' function requires at least one valid day in 'workingDays'.`);
  return days;
}

/** True when `date` is the last of `workingDays` in its month. */
function isLastWorkingDay([date, days]: unknown[]): boolean {
  const local = localDate(date, 'isLastWorkingDay');
  const working = workingDays(days);
  if (!working.includes(local.dayOfWeek())) return false;
  let candidate = local.with(joda().TemporalAdjusters.lastDayOfMonth());
  while (!working.includes(candidate.dayOfWeek())) candidate = candidate.minusDays(1);
  return candidate.isEqual(local);
}

/** `hourOfDay`: the hour as written in an ISO date-time, with or without an offset (no date alone). */
function hourOfDay([date]: unknown[]): number {
  const text = dateText(date, 'hourOfDay');
  const { LocalDateTime, ZonedDateTime } = joda();
  try {
    return ZonedDateTime.parse(text).hour();
  } catch {
    try {
      return LocalDateTime.parse(text).hour();
    } catch (err) {
      return fail(`The 'hourOfDay()' function could not parse 'date': ${(err as Error).message}`);
    }
  }
}

/** True when `date` is a public holiday of `countryCode`, or of its `subDivision` (a blank one is none). */
function isPublicHoliday([date, country, subDivision]: unknown[]): boolean {
  const what = 'isPublicHoliday';
  if (date === null || date === undefined) return fail(`The '${what}()' function expects a 'date' argument.`);
  if (country === null || country === undefined)
    return fail(`The '${what}()' function expects a 'countryCode' argument.`);
  const local = localDate(date, what);
  const sub = subDivision === null || subDivision === undefined ? '' : toText(subDivision);
  try {
    return publicHoliday(local.toString(), toText(country), sub.trim() === '' ? undefined : sub);
  } catch (err) {
    return fail(`The '${what}()' function: ${(err as Error).message}`);
  }
}

/**
 * Kestra's `DateUtils.parseInstant`: a date-time with an offset or a zone is its instant; one
 * without, and a date alone (at its start), are read as UTC.
 */
function instant(text: string): Instant {
  const { LocalDate, LocalDateTime, ZonedDateTime, ZoneOffset } = joda();
  try {
    return ZonedDateTime.parse(text).toInstant();
  } catch {
    try {
      return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
    } catch {
      return LocalDate.parse(text).atStartOfDay().toInstant(ZoneOffset.UTC);
    }
  }
}

/** `isDateAfter(date, reference)` and `isDateBefore(date, reference)`: strictly, as instants. */
function compareDates(what: string, holds: (date: Instant, reference: Instant) => boolean): FunctionDef {
  return fn(['date', 'reference'], ([date, reference]) => {
    if (date === null || date === undefined)
      return fail(`The '${what}()' function expects a 'date' argument.`);
    if (reference === null || reference === undefined)
      return fail(`The '${what}()' function expects a 'reference' argument.`);
    try {
      return holds(instant(toText(date)), instant(toText(reference)));
    } catch (err) {
      return fail(`The '${what}()' function could not parse a date argument: ${(err as Error).message}`);
    }
  });
}

/** `isDateBetween(date, after, before)`: strictly between, each a date-time with an offset or a zone. */
function isDateBetween(args: unknown[]): boolean {
  const [date, after, before] = ['date', 'after', 'before'].map((name, i) => {
    const value = args[i];
    if (value === null || value === undefined)
      return fail(`The 'isDateBetween()' function expects a '${name}' argument.`);
    try {
      return joda().ZonedDateTime.parse(toText(value)).toInstant();
    } catch (err) {
      return fail(`The 'isDateBetween()' function could not parse '${name}': ${(err as Error).message}`);
    }
  }) as [Instant, Instant, Instant];
  return date.isAfter(after) && date.isBefore(before);
}

const onDate = (what: string, run: (date: LocalDate) => unknown): FunctionDef =>
  fn(['date'], ([date]) => run(localDate(date, what)));

/** The calendar functions, by name. */
export const CALENDAR_FUNCTIONS: [string, FunctionDef][] = [
  ['isWeekend', onDate('isWeekend', (d) => d.dayOfWeek().value() >= 6)],
  ['dayOfWeek', onDate('dayOfWeek', (d) => d.dayOfWeek().name())],
  ['dayOfMonth', onDate('dayOfMonth', (d) => d.dayOfMonth())],
  ['monthOfYear', onDate('monthOfYear', (d) => d.monthValue())],
  ['hourOfDay', fn(['date'], hourOfDay)],
  ['isDayWeekInMonth', fn(['date', 'dayOfWeek', 'position'], isDayWeekInMonth)],
  ['isLastWorkingDay', fn(['date', 'workingDays'], isLastWorkingDay)],
  ['isPublicHoliday', fn(['date', 'countryCode', 'subDivision'], isPublicHoliday)],
  ['isDateAfter', compareDates('isDateAfter', (date, reference) => date.isAfter(reference))],
  ['isDateBefore', compareDates('isDateBefore', (date, reference) => date.isBefore(reference))],
  ['isDateBetween', fn(['date', 'after', 'before'], isDateBetween)],
];
