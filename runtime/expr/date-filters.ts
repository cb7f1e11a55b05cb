/** Kestra's date filters: `date`, `dateAdd`, `timestamp` and its finer units. */
import { DEFAULT_DATE_FORMAT, formatDate, toDateTime } from './dates.js';
import { fail } from './errors.js';
import { type FilterDef, filter, integerArg } from './library.js';
import { toText } from './values.js';

const DATE_UNITS: Readonly<Record<string, string>> = {
  MILLIS: 'milliseconds',
  SECONDS: 'seconds',
  MINUTES: 'minutes',
  HOURS: 'hours',
  DAYS: 'days',
  WEEKS: 'weeks',
  MONTHS: 'months',
  YEARS: 'years',
};

const optionalText = (value: unknown): string | undefined =>
  value === undefined || value === null ? undefined : toText(value);

/** Date filters, by name. */
export const DATE_FILTERS: [string, FilterDef][] = [
  [
    'date',
    filter(['format', 'timeZone', 'existingFormat', 'locale'], (input, [format, zone]) => {
      if (input === null || input === undefined) return null;
      return formatDate(toDateTime(input, optionalText(zone)), optionalText(format) ?? DEFAULT_DATE_FORMAT);
    }),
  ],
  [
    'dateAdd',
    filter(
      ['amount', 'unit', 'format', 'timeZone', 'existingFormat', 'locale'],
      (input, [amount, unit, , zone]) => {
        const step = integerArg(amount, 'dateAdd', Number.NaN);
        const luxonUnit = DATE_UNITS[toText(unit).toUpperCase()];
        if (Number.isNaN(step) || !luxonUnit)
          return fail("dateAdd needs an amount and a unit, e.g. dateAdd(-1, 'DAYS')");
        return toDateTime(input, optionalText(zone))
          .plus({ [luxonUnit]: step })
          .toISO();
      },
    ),
  ],
  [
    'timestamp',
    filter(['timeZone', 'existingFormat'], (input) => Math.floor(toDateTime(input).toMillis() / 1000)),
  ],
  ['timestampMilli', filter(['timeZone', 'existingFormat'], (input) => toDateTime(input).toMillis())],
  ['timestampMicro', filter(['timeZone', 'existingFormat'], (input) => toDateTime(input).toMillis() * 1000)],
  [
    'timestampNano',
    filter(['timeZone', 'existingFormat'], (input) => BigInt(toDateTime(input).toMillis()) * 1_000_000n),
  ],
];
