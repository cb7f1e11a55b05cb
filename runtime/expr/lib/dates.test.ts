/** Kestra's date filters, each case with the source of its expected value. */
import { describe, expect, it } from 'vitest';
import {
  dateAdd,
  formatDate,
  now,
  timestamp,
  timestampMicro,
  timestampMilli,
  timestampNano,
} from './dates.js';

// Kestra's DateFilterTest.NOW: 2013-09-08T16:19:12.123456+01:00.
const NOW = '2013-09-08T16:19:12.123456+01:00';
const KESTRA_TEST = 'Kestra DateFilterTest';
// Cases citing java.time were also printed by OpenJDK 17's DateTimeFormatter (styles: see their note).
const JAVA_DOC = 'java.time DateTimeFormatter';

describe('date', () => {
  it.each([
    [KESTRA_TEST, NOW, { format: 'iso', timeZone: 'Europe/Paris' }, '2013-09-08T17:19:12.123456+02:00'],
    [KESTRA_TEST, NOW, { format: 'iso_sec', timeZone: 'Europe/Paris' }, '2013-09-08T17:19:12+02:00'],
    [
      KESTRA_TEST,
      NOW,
      { format: 'yyyy-MM-dd HH:mm:ss.SSSSSSXXX', timeZone: 'UTC' },
      '2013-09-08 15:19:12.123456Z',
    ],
    [KESTRA_TEST, 'July 24, 2001', { format: 'yyyy-MM-dd', existingFormat: 'MMMM dd, yyyy' }, '2001-07-24'],
    [
      KESTRA_TEST,
      '2013-09-08T17:19:12+02:00',
      { timeZone: 'Europe/Paris' },
      '2013-09-08T17:19:12.000000+02:00',
    ],
    [KESTRA_TEST, '2013-09-08T17:19:12', { timeZone: 'Europe/Paris' }, '2013-09-08T17:19:12.000000+02:00'],
    [KESTRA_TEST, '2013-09-08', { timeZone: 'Europe/Paris' }, '2013-09-08T00:00:00.000000+02:00'],
    [
      KESTRA_TEST,
      'Tue, 08 Feb 2022 19:38:26 GMT',
      { existingFormat: 'rfc_1123_date_time', timeZone: 'Europe/Paris' },
      '2022-02-08T20:38:26.000000+01:00',
    ],
    ['Kestra AbstractDate: integers are epoch seconds', 1378653552, {}, '2013-09-08T15:19:12.000000Z'],
    [
      'Kestra AbstractDate: integers are epoch seconds',
      1378653552n,
      { format: 'sql_seq' },
      '2013-09-08 15:19:12',
    ],
    ['Kestra AbstractDate: sql', NOW, { format: 'sql' }, '2013-09-08 15:19:12.123456'],
    [`${JAVA_DOC}: ISO_LOCAL_DATE`, NOW, { format: 'iso_local_date' }, '2013-09-08'],
    [`${JAVA_DOC}: ISO_DATE`, NOW, { format: 'iso_date', timeZone: 'Europe/Paris' }, '2013-09-08+02:00'],
    [
      `${JAVA_DOC}: ISO_INSTANT`,
      NOW,
      { format: 'iso_instant', timeZone: 'Europe/Paris' },
      '2013-09-08T15:19:12.123456Z',
    ],
    [`${JAVA_DOC}: ISO_LOCAL_TIME`, NOW, { format: 'iso_local_time' }, '15:19:12.123456'],
    [
      `${JAVA_DOC}: ISO_OFFSET_TIME`,
      NOW,
      { format: 'iso_offset_time', timeZone: '+01:00' },
      '16:19:12.123456+01:00',
    ],
    [`${JAVA_DOC}: ISO_ORDINAL_DATE`, NOW, { format: 'iso_ordinal_date' }, '2013-251Z'],
    [`${JAVA_DOC}: ISO_WEEK_DATE`, NOW, { format: 'iso_week_date' }, '2013-W36-7Z'],
    [
      `${JAVA_DOC}: ISO_ZONED_DATE_TIME`,
      NOW,
      { format: 'iso_zoned_date_time', timeZone: 'Europe/Paris' },
      '2013-09-08T17:19:12.123456+02:00[Europe/Paris]',
    ],
    [
      `${JAVA_DOC}: RFC_1123_DATE_TIME`,
      NOW,
      { format: 'rfc_1123_date_time' },
      'Sun, 8 Sep 2013 15:19:12 GMT',
    ],
    [
      `${JAVA_DOC}: RFC_1123_DATE_TIME`,
      NOW,
      { format: 'rfc_1123_date_time', timeZone: '-05:00' },
      'Sun, 8 Sep 2013 10:19:12 -0500',
    ],
    [
      `${JAVA_DOC}: text fields in English`,
      NOW,
      { format: 'EEEE, MMMM d, yyyy h:mm a' },
      'Sunday, September 8, 2013 3:19 PM',
    ],
    [
      `${JAVA_DOC}: quoted literals`,
      NOW,
      { format: "yyyy'/'DDD 'at' HH 'o''clock'" },
      "2013/251 at 15 o'clock",
    ],
    [`${JAVA_DOC}: X prints Z for UTC`, NOW, { format: 'X' }, 'Z'],
    [`${JAVA_DOC}: Z prints +HHMM`, NOW, { format: 'Z', timeZone: 'Asia/Kolkata' }, '+0530'],
    ['Java 21 (CLDR 42) FormatStyle.SHORT, en_US', NOW, { format: 'short' }, '9/8/13, 3:19\u202fPM'],
    [
      'Java 21 (CLDR 42) FormatStyle.MEDIUM, en_US',
      NOW,
      { format: 'medium' },
      'Sep 8, 2013, 3:19:12\u202fPM',
    ],
    [
      'Kestra test: DateAddFilterTest (z)',
      NOW,
      { format: 'HH:mm zzz', timeZone: 'Europe/Paris' },
      '17:19 CEST',
    ],
    [
      'Java 21: zzzz, en_US',
      NOW,
      { format: 'zzzz', timeZone: 'Europe/Paris' },
      'Central European Summer Time',
    ],
    ['Java 21: vvvv, en_US', NOW, { format: 'vvvv', timeZone: 'Europe/Paris' }, 'Central European Time'],
    [`${JAVA_DOC}: z of an offset is its id`, NOW, { format: 'z', timeZone: '+02:00' }, '+02:00'],
    [
      'Java 21: Locale.FRANCE',
      NOW,
      { format: 'EEEE d MMMM yyyy', locale: 'fr_FR' },
      'dimanche 8 septembre 2013',
    ],
    [
      `${JAVA_DOC}: existingFormat with an offset`,
      '08/09/2013 17:19 +0200',
      { existingFormat: 'dd/MM/yyyy HH:mm Z' },
      '2013-09-08T15:19:00.000000Z',
    ],
  ])('%s: %o | date(%o) is %s', (_source, input, options, expected) => {
    expect(formatDate(input, options)).toBe(expected);
  });

  it('gives null for null (Kestra: a null input gives null)', () => {
    expect(formatDate(null)).toBeNull();
  });

  it.each([
    ['not a date', {}, /cannot parse 'not a date' as an ISO-8601 date/],
    ['2013-09-08', { existingFormat: 'dd/MM/yyyy' }, /as the format 'dd\/MM\/yyyy'/],
    [NOW, { timeZone: 'Mars/Olympus' }, /unknown timeZone 'Mars\/Olympus'/],
    [NOW, { format: 'MMMM', locale: 'xx_YY' }, /locale 'xx_YY' is not available/],
    [NOW, { format: 'long' }, /'long' style is not supported/],
    [NOW, { format: 'yyyy-MM-dd P' }, /invalid pattern 'yyyy-MM-dd P'/],
    [1.5, {}, /cannot read a date from number 1.5/],
    [[1], {}, /cannot read a date from a list/],
  ])('refuses %o with %o', (input, options, message) => {
    expect(() => formatDate(input, options)).toThrow(message);
  });
});

describe('dateAdd', () => {
  it.each([
    [KESTRA_TEST, NOW, -1, 'DAYS', { timeZone: 'Europe/Paris' }, '2013-09-07T17:19:12.123456+02:00'],
    [
      'java.time ChronoUnit.MONTHS clamps to the month end',
      '2024-01-31',
      1,
      'MONTHS',
      { format: 'iso_local_date' },
      '2024-02-29',
    ],
    ['java.time ChronoUnit.HOURS', NOW, 36, 'HOURS', { format: 'sql_seq' }, '2013-09-10 03:19:12'],
  ])('%s: %o | dateAdd(%o, %o)', (_source, input, amount, unit, options, expected) => {
    expect(dateAdd(input, amount, unit, options)).toBe(expected);
  });

  it('refuses an unknown unit, naming it', () => {
    expect(() => dateAdd(NOW, 1, 'FORTNIGHTS')).toThrow(/unknown unit 'FORTNIGHTS'/);
  });

  it('refuses a decimal amount', () => {
    expect(() => dateAdd(NOW, 1.5, 'DAYS')).toThrow(/amount must be an integer/);
  });
});

describe('timestamps', () => {
  it.each([
    [KESTRA_TEST, timestamp, 1378653552],
    [KESTRA_TEST, timestampMilli, 1378653552123],
    [KESTRA_TEST, timestampMicro, '1378653552000123456'],
    [KESTRA_TEST, timestampNano, '1378653552123456000'],
  ])('%s: %o', (_source, filter, expected) => {
    expect(filter(NOW, { timeZone: 'Europe/Paris' })).toBe(expected);
  });
});

describe('now', () => {
  it('prints the current date in the requested format and zone (Kestra DateFilterTest.now)', () => {
    const before = new Date().toISOString().slice(0, 10);
    const today = now({ format: 'iso_local_date' });
    const after = new Date().toISOString().slice(0, 10);
    expect([before, after]).toContain(today);
  });

  it('prints microseconds in the default iso format', () => {
    expect(now()).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  });
});
