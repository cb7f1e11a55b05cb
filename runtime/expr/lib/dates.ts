/** Kestra's date filters and `now()`: java.time formatting and parsing through @js-joda, loaded at first use. */
import type { ChronoUnit, DateTimeFormatter, ZonedDateTime, ZoneId } from '@js-joda/core';
import { joda, jodaLocale, usLocale } from './joda.js';
import { zoneName } from './zone-names.js';

/** The named arguments shared by `date`, `dateAdd` and `now` (Kestra's AbstractDate). */
export interface DateOptions {
  /** A java.time pattern, one of Kestra's named formats (`iso`, `sql`, `iso_instant` …), or a style (`short`, `medium`). Default `iso`. */
  readonly format?: string;
  /** The zone the date is read in (when it has none) and printed in. Default UTC. */
  readonly timeZone?: string;
  /** The pattern or named format that string input is written in. Default: ISO-8601 forms. */
  readonly existingFormat?: string;
  /** Locale for month, day and zone names (`fr`, `de_DE` …); its data loads at first use. Default en-US. */
  readonly locale?: string;
}

/** Kestra's named formats (AbstractDate.FORMATTERS): a pattern or the name of a java.time constant. */
const NAMED: Readonly<Record<string, { pattern: string } | { constant: string }>> = {
  iso: { pattern: "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX" },
  iso_sec: { pattern: "yyyy-MM-dd'T'HH:mm:ssXXX" },
  sql: { pattern: 'yyyy-MM-dd HH:mm:ss.SSSSSS' },
  sql_seq: { pattern: 'yyyy-MM-dd HH:mm:ss' },
  iso_date_time: { constant: 'ISO_DATE_TIME' },
  iso_date: { constant: 'ISO_DATE' },
  iso_time: { constant: 'ISO_TIME' },
  iso_local_date: { constant: 'ISO_LOCAL_DATE' },
  iso_instant: { constant: 'ISO_INSTANT' },
  iso_local_date_time: { constant: 'ISO_LOCAL_DATE_TIME' },
  iso_local_time: { constant: 'ISO_LOCAL_TIME' },
  iso_offset_time: { constant: 'ISO_OFFSET_TIME' },
  iso_ordinal_date: { constant: 'ISO_ORDINAL_DATE' },
  iso_week_date: { constant: 'ISO_WEEK_DATE' },
  iso_zoned_date_time: { constant: 'ISO_ZONED_DATE_TIME' },
};

/**
 * Java's `ofLocalizedDateTime` styles for en-US as Java 21 prints them (CLDR 42: a narrow no-break space
 * before AM/PM). `long` and `full` need localized zone names js-joda does not have, so they are refused.
 */
const STYLES: Readonly<Record<string, string>> = {
  short: 'M/d/yy, h:mm\u202fa',
  medium: 'MMM d, y, h:mm:ss\u202fa',
};

const WITH_OFFSET = new Set(['iso_ordinal_date', 'iso_week_date']);

const formatters = new Map<string, DateTimeFormatter>();
const MAX_FORMATTERS = 200;

/** Pebble: `value | date(format, timeZone, existingFormat, locale)` — Kestra's default format is `iso`. */
export function formatDate(input: unknown, options: DateOptions = {}): string | null {
  if (input === null || input === undefined) return null;
  const zone = zoneOf(options.timeZone);
  return print(readDate(input, zone, options.existingFormat), zone, options);
}

/** Pebble: `value | dateAdd(amount, unit, format, timeZone, existingFormat, locale)`; `unit` is a ChronoUnit name. */
export function dateAdd(
  input: unknown,
  amount: number | bigint | string,
  unit: string,
  options: DateOptions = {},
): string | null {
  if (input === null || input === undefined) return null;
  // Kestra reads the amount as a long: a number, or a string holding one (DateAddFilter.getAsLong).
  if (typeof amount === 'string' && /^[+-]?\d+$/.test(amount.trim())) amount = BigInt(amount.trim());
  if (typeof amount === 'number' ? !Number.isInteger(amount) : typeof amount !== 'bigint')
    throw new Error(`dateAdd: amount must be an integer, got ${describe(amount)}`);
  const zone = zoneOf(options.timeZone);
  const date = readDate(input, zone, options.existingFormat);
  const chronoUnit = (joda().ChronoUnit as unknown as Record<string, ChronoUnit | undefined>)[unit];
  if (typeof unit !== 'string' || !/^[A-Z_]+$/.test(unit) || !chronoUnit)
    throw new Error(
      `dateAdd: unknown unit '${String(unit)}' (expected a ChronoUnit such as DAYS, HOURS, MONTHS)`,
    );
  let added: ZonedDateTime;
  try {
    added = date.plus(Number(amount), chronoUnit);
  } catch (error) {
    throw new Error(`dateAdd: cannot add ${amount} ${unit}: ${(error as Error).message}`);
  }
  return print(added, zone, options);
}

/** Pebble: `now(format, timeZone, locale)` — the current instant, with microseconds as Java's clock gives them. */
export function now(options: DateOptions = {}): string {
  const { Instant } = joda();
  const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const instant = Instant.ofEpochSecond(Math.floor(micros / 1e6), (micros % 1e6) * 1000);
  const zone = zoneOf(options.timeZone);
  return print(instant.atZone(zone), zone, options);
}

/** Pebble: `value | timestamp(timeZone, existingFormat)` — epoch seconds. */
export function timestamp(input: unknown, options: DateOptions = {}): number | null {
  return input === null || input === undefined ? null : read(input, options).toEpochSecond();
}

/** Pebble: `value | timestampMilli(timeZone, existingFormat)` — epoch milliseconds. */
export function timestampMilli(input: unknown, options: DateOptions = {}): number | null {
  return input === null || input === undefined ? null : read(input, options).toInstant().toEpochMilli();
}

/**
 * Pebble: `value | timestampMicro(timeZone, existingFormat)` — as a string, computed exactly as Kestra
 * does: epoch seconds in nanoseconds plus the microseconds of the second (Kestra's DateFilterTest expects
 * `1378653552000123456` for 2013-09-08T15:19:12.123456Z), so values match Kestra's, not the name.
 */
export function timestampMicro(input: unknown, options: DateOptions = {}): string | null {
  if (input === null || input === undefined) return null;
  const date = read(input, options);
  return String(BigInt(date.toEpochSecond()) * 1_000_000_000n + BigInt(Math.floor(date.nano() / 1000)));
}

/** Pebble: `value | timestampNano(timeZone, existingFormat)` — epoch nanoseconds, as a string like Kestra's. */
export function timestampNano(input: unknown, options: DateOptions = {}): string | null {
  if (input === null || input === undefined) return null;
  const date = read(input, options);
  return String(BigInt(date.toEpochSecond()) * 1_000_000_000n + BigInt(date.nano()));
}

function read(input: unknown, options: DateOptions): ZonedDateTime {
  return readDate(input, zoneOf(options.timeZone), options.existingFormat);
}

function zoneOf(timeZone: string | undefined): ZoneId {
  const { ZoneId } = joda();
  if (timeZone === undefined || timeZone === null) return ZoneId.of('UTC');
  try {
    return ZoneId.of(String(timeZone));
  } catch {
    throw new Error(
      `date: unknown timeZone '${String(timeZone)}' (expected an id such as UTC, Europe/Paris, +02:00)`,
    );
  }
}

/**
 * Reads a date as Kestra does: an integer is epoch seconds; a string is a zoned date-time, else a local
 * date-time in `zone`, else a local date at the start of its day in `zone` — in ISO-8601 unless
 * `existingFormat` names another format.
 */
export function readDate(input: unknown, zone: ZoneId, existingFormat?: string): ZonedDateTime {
  const { Instant, ZonedDateTime, LocalDateTime, LocalDate, DateTimeFormatter } = joda();
  if (input instanceof Date) return Instant.ofEpochMilli(input.getTime()).atZone(zone);
  if (typeof input === 'bigint' || (typeof input === 'number' && Number.isInteger(input)))
    return Instant.ofEpochSecond(Number(input)).atZone(zone);
  if (typeof input !== 'string')
    throw new Error(`date: cannot read a date from ${describe(input)} (expected a string or epoch seconds)`);
  if (existingFormat === 'rfc_1123_date_time') return parseRfc1123(input);
  const formatter =
    existingFormat === undefined || existingFormat === null
      ? undefined
      : formatterFor(String(existingFormat), undefined);
  // java.time reads an offset of hours alone (`+02`); js-joda needs its minutes.
  const zoned = formatter
    ? input
    : input.replace(/([T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?[+-]\d{2})$/, '$1:00');
  const attempts: Array<() => ZonedDateTime> = [
    () => ZonedDateTime.parse(zoned, formatter ?? DateTimeFormatter.ISO_ZONED_DATE_TIME),
    () => LocalDateTime.parse(input, formatter ?? DateTimeFormatter.ISO_LOCAL_DATE_TIME).atZone(zone),
    () => LocalDate.parse(input, formatter ?? DateTimeFormatter.ISO_LOCAL_DATE).atStartOfDay(zone),
  ];
  for (const attempt of attempts) {
    try {
      return attempt();
    } catch {
      // Kestra tries the next, less complete form.
    }
  }
  const expected = existingFormat === undefined ? 'an ISO-8601 date' : `the format '${existingFormat}'`;
  throw new Error(`date: cannot parse '${input}' as ${expected}`);
}

function print(date: ZonedDateTime, zone: ZoneId, options: DateOptions): string {
  const inZone = date.withZoneSameInstant(zone);
  const format = options.format === undefined || options.format === null ? 'iso' : String(options.format);
  if (format === 'rfc_1123_date_time') return rfc1123(inZone);
  const locale = options.locale === undefined || options.locale === null ? undefined : String(options.locale);
  const text = formatterFor(withZoneNames(format, inZone, locale), locale).format(inZone);
  // Java's ISO_ORDINAL_DATE and ISO_WEEK_DATE end with the offset when there is one; js-joda's do not.
  return WITH_OFFSET.has(format) ? text + inZone.offset().id() : text;
}

/**
 * The pattern of `format` with its zone names (`z`, `zzzz`, `v`, `vvvv`) written out as quoted text for
 * `date`: js-joda would print the zone id there (see zone-names.ts). Other formats come back as they are.
 */
function withZoneNames(format: string, date: ZonedDateTime, locale: string | undefined): string {
  const named = NAMED[format];
  if ((named && 'constant' in named) || STYLES[format]) return format;
  const pattern = named?.pattern ?? format;
  if (!/[zv]/.test(pattern.replace(/'[^']*'/g, ''))) return format;
  const [epochMs, zone] = [date.toInstant().toEpochMilli(), date.zone().id()];
  const intlLocale = (locale ?? 'en-US').replace('_', '-');
  let out = '';
  let quoted = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === "'") quoted = !quoted;
    if (quoted || (c !== 'z' && c !== 'v')) {
      out += c;
      continue;
    }
    let count = 1;
    while (pattern.charAt(i + count) === c) count++;
    i += count - 1;
    const style = c === 'z' ? (count >= 4 ? 'long' : 'short') : count >= 4 ? 'longGeneric' : 'shortGeneric';
    out += `'${zoneName(epochMs, zone, style, intlLocale).replaceAll("'", "''")}'`;
  }
  return out;
}

/** A formatter for a named format, a style or a pattern; text patterns get the locale's names (English by default). */
function formatterFor(format: string, locale: string | undefined): DateTimeFormatter {
  const key = locale === undefined ? format : `${format}\u0000${locale}`;
  const cached = formatters.get(key);
  if (cached) return cached;
  const { DateTimeFormatter } = joda();
  const named = NAMED[format];
  let formatter: DateTimeFormatter;
  if (named && 'constant' in named) {
    formatter = (DateTimeFormatter as unknown as Record<string, DateTimeFormatter>)[named.constant]!;
  } else {
    if (format === 'long' || format === 'full')
      throw new Error(`date: the '${format}' style is not supported (use 'short', 'medium' or a pattern)`);
    if (STYLES[format] && locale !== undefined && !/^en([_-]US)?$/i.test(locale))
      throw new Error(`date: the '${format}' style is only available in English (use a pattern with locale)`);
    formatter = ofPattern(named?.pattern ?? STYLES[format] ?? format, locale);
  }
  if (formatters.size >= MAX_FORMATTERS) formatters.clear();
  formatters.set(key, formatter);
  return formatter;
}

function ofPattern(pattern: string, locale: string | undefined): DateTimeFormatter {
  const { DateTimeFormatter } = joda();
  try {
    if (!needsText(pattern)) return DateTimeFormatter.ofPattern(pattern);
    // Installs the text printers before the pattern is compiled.
    const textLocale = locale === undefined ? usLocale() : jodaLocale(locale);
    // withLocale comes from @js-joda/locale, whose typings core does not know about.
    const formatter = DateTimeFormatter.ofPattern(pattern) as DateTimeFormatter & {
      withLocale(locale: unknown): DateTimeFormatter;
    };
    return formatter.withLocale(textLocale);
  } catch (error) {
    const message = (error as Error).message;
    throw new Error(message.startsWith('date:') ? message : `date: invalid pattern '${pattern}': ${message}`);
  }
}

/** Whether a pattern prints names (months, days, AM/PM, eras), which need locale data. */
function needsText(pattern: string): boolean {
  const unquoted = pattern.replace(/'[^']*'/g, '');
  return /[GEaBO]|[MLQqec]{3,}/.test(unquoted);
}

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Java's RFC_1123_DATE_TIME: English names, an unpadded day, `GMT` for a zero offset, else `+HHMM`. */
function rfc1123(date: ZonedDateTime): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const seconds = date.offset().totalSeconds();
  const abs = Math.abs(seconds);
  const offset =
    seconds === 0
      ? 'GMT'
      : `${seconds < 0 ? '-' : '+'}${pad(Math.floor(abs / 3600))}${pad(Math.floor((abs % 3600) / 60))}`;
  return (
    `${DAYS[date.dayOfWeek().ordinal()]}, ${date.dayOfMonth()} ${MONTHS[date.monthValue() - 1]} ${date.year()} ` +
    `${pad(date.hour())}:${pad(date.minute())}:${pad(date.second())} ${offset}`
  );
}

const RFC_1123 =
  /^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2})(?::(\d{2}))? (GMT|[+-]\d{4})$/;

/** Reads Java's RFC_1123_DATE_TIME form (`Tue, 3 Jun 2008 11:05:30 GMT`). */
function parseRfc1123(text: string): ZonedDateTime {
  const { ZonedDateTime, ZoneOffset } = joda();
  const m = RFC_1123.exec(text);
  if (!m) throw new Error(`date: cannot parse '${text}' as the format 'rfc_1123_date_time'`);
  const [, day, month, year, hour, minute, second, offset] = m;
  const zone =
    offset === 'GMT' ? ZoneOffset.UTC : ZoneOffset.of(`${offset!.slice(0, 3)}:${offset!.slice(3)}`);
  return ZonedDateTime.of(
    Number(year),
    MONTHS.indexOf(month!) + 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second ?? 0),
    0,
    zone,
  );
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return `${typeof value} ${String(value)}`;
}
