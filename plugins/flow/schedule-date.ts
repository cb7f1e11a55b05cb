/** Kestra's `scheduleDate` of Subflow and ForEachItem: when the subflow execution starts running. */
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';

/** The property, as both tasks declare it. */
export const ScheduleDate = T.String({
  minLength: 1,
  description:
    'Start the subflow execution at this date instead of now (ISO-8601, such as `{{ now() | dateAdd(1, "HOURS") }}`): it is created at once and stays CREATED until then',
});

/**
 * The rendered `scheduleDate` as ISO-8601 UTC, or undefined without one.
 * Java's zoned form (`…+02:00[Europe/Paris]`) is read too. A value that is
 * no date fails the task, naming it.
 *
 * @example scheduleIso('2030-01-01T10:00:00+02:00[Europe/Paris]') // '2030-01-01T08:00:00.000Z'
 */
export function scheduleIso(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value.replace(/\[[^\]]*\]$/, ''));
  if (Number.isNaN(ms))
    throw new TaskError(`scheduleDate: '${value}' is not a date (ISO-8601 expected)`, false);
  return new Date(ms).toISOString();
}
