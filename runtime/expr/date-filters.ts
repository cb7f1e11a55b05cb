/** Kestra's date filters: `date`, `dateAdd`, `timestamp` and its finer units, over lib/dates.ts (java.time). */
import * as dates from './lib/dates.js';
import { type FilterDef, filter } from './library.js';
import { plain } from './numbers.js';
import { toText } from './values.js';

const DATE_PARAMS = ['format', 'timeZone', 'existingFormat', 'locale'] as const;

/** The named options of a date call, from its lined-up arguments starting at `from`. */
export function dateOptions(
  args: unknown[],
  from: number,
  names: readonly string[] = DATE_PARAMS,
): dates.DateOptions {
  const options: Record<string, string> = {};
  names.forEach((name, i) => {
    const value = args[from + i];
    if (value !== undefined && value !== null) options[name] = toText(value);
  });
  return options;
}

const TIMESTAMP_PARAMS = ['timeZone', 'existingFormat'] as const;
const timestampFilter = (run: (input: unknown, options: dates.DateOptions) => unknown): FilterDef =>
  filter(TIMESTAMP_PARAMS, (input, args) => run(plain(input), dateOptions(args, 0, TIMESTAMP_PARAMS)));

/** Date filters, by name. */
export const DATE_FILTERS: [string, FilterDef][] = [
  ['date', filter(DATE_PARAMS, (input, args) => dates.formatDate(plain(input), dateOptions(args, 0)))],
  [
    'dateAdd',
    filter(['amount', 'unit', ...DATE_PARAMS], (input, args) =>
      dates.dateAdd(plain(input), plain(args[0]) as number | string, args[1] as string, dateOptions(args, 2)),
    ),
  ],
  ['timestamp', timestampFilter(dates.timestamp)],
  ['timestampMilli', timestampFilter(dates.timestampMilli)],
  ['timestampMicro', timestampFilter((input, options) => toLong(dates.timestampMicro(input, options)))],
  ['timestampNano', timestampFilter((input, options) => toLong(dates.timestampNano(input, options)))],
];

/** Kestra's timestamps are longs: exact as a bigint past 2^53. */
function toLong(value: string | null): bigint | number | null {
  if (value === null) return null;
  const big = BigInt(value);
  return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}
