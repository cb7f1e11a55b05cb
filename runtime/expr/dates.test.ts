/** Java-style date patterns and date parsing. */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { formatDate, toDateTime } from './dates.js';

const when = DateTime.fromISO('2024-03-05T07:08:09.012', { zone: 'Europe/Paris' });

describe('formatDate with Java patterns', () => {
  it.each([
    ['yyyy-MM-dd', '2024-03-05'],
    ['yy/M/d', '24/3/5'],
    ['HH:mm:ss.SSS', '07:08:09.012'],
    ['SSSSSS', '012000'],
    ['h a', '7 AM'],
    ['EEE, d MMM yyyy', 'Tue, 5 Mar 2024'],
    ['EEEE MMMM', 'Tuesday March'],
    ["yyyy-MM-dd'T'HH:mm:ssXXX", '2024-03-05T07:08:09+01:00'],
    ['Z', '+0100'],
    ['X', '+01'],
    ['D', '65'],
    ["'at' HH 'o''clock'", "at 07 o'clock"],
    ["''", "'"],
    ['iso', '2024-03-05T07:08:09.012+01:00'],
    ['sql_seconds', '2024-03-05 07:08:09'],
  ])('%s gives %s', (pattern, expected) => {
    expect(formatDate(when, pattern)).toBe(expected);
  });

  it('prints Z for a zero offset with X', () => {
    expect(formatDate(when.setZone('UTC'), 'HH:mmXXX')).toBe('06:08Z');
  });

  it('rejects an unknown pattern letter', () => {
    expect(() => formatDate(when, 'yyyy-MM-dd P')).toThrow(/unsupported letter 'P'/);
  });

  it('rejects an unterminated quote', () => {
    expect(() => formatDate(when, "yyyy 'at")).toThrow(/unterminated quote/);
  });
});

describe('toDateTime', () => {
  it('keeps the offset written in the text', () => {
    expect(toDateTime('2024-01-01T10:00:00+02:00').offset).toBe(120);
  });

  it('reads text without an offset in the zone given', () => {
    expect(toDateTime('2024-01-01T10:00:00', 'America/New_York').toISO()).toBe(
      '2024-01-01T10:00:00.000-05:00',
    );
  });

  it('reads text without an offset as UTC by default', () => {
    expect(toDateTime('2024-01-01 10:00:00').toMillis()).toBe(Date.UTC(2024, 0, 1, 10));
  });

  it('reads a Date', () => {
    expect(toDateTime(new Date(Date.UTC(2024, 0, 2))).day).toBe(2);
  });
});
