/** Public holidays by country and sub-division, from date-holidays' calendars, loaded at first use (~40 MB). */
import { createRequire } from 'node:module';

type HolidaysClass = typeof import('date-holidays').default;
type Holidays = InstanceType<HolidaysClass>;

// Named `require` with a literal id so that the agent's bundler (scripts/build-agent.mjs) bundles what it loads.
const require = createRequire(import.meta.url);
let holidaysClass: HolidaysClass | undefined;
/** The calendars asked for, by country and sub-division as given (`FR`, `DE/BY`). */
const calendarsByName = new Map<string, Calendar>();
/** Each calendar's public holidays of one year, as ISO dates: `FR/2024`, `DE-BY/2024`. */
const years = new Map<string, ReadonlySet<string>>();
/** At most this many calendars and calendar years are kept: a flow asks about few countries and years. */
const MAX_KEPT = 256;

interface Calendar {
  key: string;
  holidays: Holidays;
}

/** Adds to a small cache, emptied when full. */
function keep<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= MAX_KEPT) cache.clear();
  cache.set(key, value);
  return value;
}

function calendars(): HolidaysClass {
  holidaysClass ??= require('date-holidays') as HolidaysClass;
  return holidaysClass;
}

/**
 * The calendar of `country`, or of its `subDivision` when the calendars know it: an unknown
 * sub-division leaves the country's holidays, as Jollyday (Kestra's library) does. Throws an Error
 * naming an unknown country.
 */
function calendar(country: string, subDivision: string | undefined): Calendar {
  const name = `${country}/${subDivision ?? ''}`;
  return calendarsByName.get(name) ?? keep(calendarsByName, name, load(country, subDivision));
}

function load(country: string, subDivision: string | undefined): Calendar {
  const Holidays = calendars();
  const code = country.trim().toUpperCase();
  const probe = new Holidays();
  if (!Object.hasOwn(probe.getCountries(), code))
    throw new Error(`unknown country code '${country}' (expected an ISO 3166-1 alpha-2 code such as 'FR')`);
  const sub = subDivision?.trim().toUpperCase();
  const known = sub !== undefined && Object.hasOwn(probe.getStates(code) ?? {}, sub);
  // In UTC, a holiday's start and end are the dates it is on, whatever the country's time zone.
  const holidays = known
    ? new Holidays(code, sub, { types: ['public'] })
    : new Holidays(code, { types: ['public'] });
  holidays.setTimezone('UTC');
  return { key: known ? `${code}-${sub}` : code, holidays };
}

/** The ISO dates (`2024-12-25`) of `year`'s public holidays: each day a holiday covers, in whole days. */
function publicDays(holidays: Holidays, year: number): Set<string> {
  const days = new Set<string>();
  // A holiday of the year before may run into this one (one that starts on 31 December).
  for (const holiday of [...holidays.getHolidays(year - 1), ...holidays.getHolidays(year)]) {
    if (holiday.type !== 'public') continue;
    for (let day = holiday.start.getTime(); day < holiday.end.getTime(); day += 86_400_000)
      days.add(new Date(day).toISOString().slice(0, 10));
  }
  return days;
}

/**
 * True when `date` (an ISO date, `2024-12-25`) is a public holiday of `country` (ISO 3166-1
 * alpha-2), or of its `subDivision` (ISO 3166-2's part after the dash: `BY` for Bavaria).
 *
 * @example isPublicHoliday('2024-12-25', 'FR') // true
 */
export function isPublicHoliday(date: string, country: string, subDivision?: string): boolean {
  const year = Number(date.slice(0, 4));
  const { key, holidays } = calendar(country, subDivision);
  const cacheKey = `${key}/${year}`;
  const days = years.get(cacheKey) ?? keep(years, cacheKey, publicDays(holidays, year));
  return days.has(date);
}
