/** Compatibility cases: Kestra's date tests, and java.time's zone names and locales. */
import type { Section } from './table.js';

const K = (test: string) => `Kestra test: ${test}`;
const JAVA = (what: string) => `Java 21 DateTimeFormatter: ${what}`;
const ZONED = '{% set zoned = "2013-09-08T16:19:12.123456+01:00" %}';

export const KESTRA_DATE_CASES: readonly Section[] = [
  {
    feature: "Kestra's tests: dates",
    about: "Cases of Kestra's DateFilterTest and DateAddFilterTest; `zoned` is the test's instant.",
    cases: [
      [
        '{{ "2013-09-08T17:19:12+02:00" | date(timeZone="Europe/Paris") }}',
        '2013-09-08T17:19:12.000000+02:00',
        K('DateFilterTest'),
      ],
      [
        '{{ "2013-09-08T17:19:12" | date(timeZone="Europe/Paris") }}',
        '2013-09-08T17:19:12.000000+02:00',
        K('DateFilterTest'),
      ],
      [
        '{{ "2013-09-08" | date(timeZone="Europe/Paris") }}',
        '2013-09-08T00:00:00.000000+02:00',
        K('DateFilterTest'),
      ],
      [`${ZONED}{{ zoned | timestamp(timeZone="Europe/Paris") }}`, '1378653552', K('DateFilterTest')],
      [
        `${ZONED}{{ (zoned | timestamp) > (zoned | dateAdd(-1, 'DAYS') | timestamp) }}`,
        'true',
        K('DateFilterTest'),
      ],
      [
        `${ZONED}{{ zoned | timestampNano(timeZone="Europe/Paris") }}`,
        '1378653552123456000',
        K('DateFilterTest'),
      ],
      [
        `${ZONED}{{ zoned | timestampMicro(timeZone="Europe/Paris") }}`,
        '1378653552000123456',
        K('DateFilterTest'),
      ],
      [`${ZONED}{{ zoned | timestampMilli(timeZone="Europe/Paris") }}`, '1378653552123', K('DateFilterTest')],
      [
        `${ZONED}{{ zoned | dateAdd(-1,"DAYS",timeZone="Europe/Paris")}}`,
        '2013-09-07T17:19:12.123456+02:00',
        K('DateFilterTest'),
      ],
      [
        '{{ "2013-09-08T16:19:00+02" | dateAdd("1", "DAYS") | date("yyyy-MM-dd") }}',
        '2013-09-09',
        K('DateAddFilterTest'),
      ],
      [
        '{{ "2013-09-08T16:19:00+02" | dateAdd("invalid", "DAYS") }}',
        { error: 'dateAdd: amount must be an integer' },
        K('DateAddFilterTest'),
      ],
      ['{{ null | dateAdd(1, "DAYS") | date("yyyy-MM-dd") }}', '', K('DateAddFilterTest')],
      [
        '{{ "2013-09-08T16:19:00+02" | dateAdd(1, "DAYS") | date("yyyy-MM-dd HH:mm:ss z", timeZone="Australia/Perth") }}',
        '2013-09-09 22:19:00 AWST',
        K('DateAddFilterTest'),
      ],
      [
        '{{ "2013-09-08T16:19:00+02" | date("zzzz", timeZone="Europe/Paris") }}',
        'Central European Summer Time',
        JAVA('zzzz, Locale.US'),
      ],
      ['{{ "2013-01-08T16:19:00+02" | date("z", timeZone="Europe/Paris") }}', 'CET', JAVA('z, Locale.US')],
      [
        '{{ "2013-09-08T16:19:00+02" | date("z", timeZone="America/New_York") }}',
        'EDT',
        JAVA('z, Locale.US'),
      ],
      ['{{ "2013-09-08T16:19:00+02" | date("z") }}', 'UTC', JAVA('z of UTC')],
      ['{{ "2013-09-08T16:19:00+02" | date("z", timeZone="+02:00") }}', '+02:00', JAVA('z of an offset')],
      [
        '{{ "2013-09-08T16:19:00+02" | date("v", timeZone="America/Los_Angeles") }}',
        'PT',
        JAVA('v, Locale.US'),
      ],
      [
        '{{ "2013-09-08T16:19:00+02" | date("vvvv", timeZone="Europe/Paris") }}',
        'Central European Time',
        JAVA('vvvv, Locale.US'),
      ],
      ['{{ "2013-09-08T16:19:00+02" | date("VV", timeZone="Europe/Paris") }}', 'Europe/Paris', JAVA('VV')],
      [
        '{{ "2013-09-08T16:19:00+02" | date("z", timeZone="Asia/Jakarta") }}',
        'WIT',
        JAVA('z, Locale.US'),
        "Java prints WIB. Short zone names come from CLDR's English abbreviations where it has them, else the initials of the English name (Western Indonesia Time); Java's own abbreviations differ for some zones outside Europe, America and Australia. Long names (zzzz, vvvv) are CLDR's, as in Java.",
      ],
      [
        '{{ "2013-09-08T16:19:00+02" | date("EEEE d MMMM yyyy, zzzz", timeZone="Europe/Paris", locale="fr") }}',
        'dimanche 8 septembre 2013, heure d’été d’Europe centrale',
        JAVA('Locale.FRENCH'),
      ],
      [
        '{{ "2013-09-08T16:19:00+02" | date("EEEE d MMMM yyyy", locale="de_DE") }}',
        'Sonntag 8 September 2013',
        JAVA('Locale.GERMANY'),
      ],
      ['{{ "2013-09-08T16:19:00+02" | date("MMMM", locale="ja") }}', '9月', JAVA('Locale.JAPANESE')],
      [
        '{{ "2013-09-08T16:19:00+02" | date("EEEE", locale="xx") }}',
        { error: "date: locale 'xx' is not available" },
        'Tern: a locale without CLDR data',
        "Java falls back to its root locale data for a locale it does not know; Tern has the languages @js-joda/locale ships (CLDR 36: ar, cs, da, de, el, en, es, fi, fr, hi, it, ja, ko, lt, nb_NO, nn_NO, no, pl, ro, ru, sk, sv, tr, uk, zh and some regional variants) and says so rather than print other names. Names that changed between CLDR 36 and Java 21's CLDR 42 can differ.",
      ],
    ],
  },
];
