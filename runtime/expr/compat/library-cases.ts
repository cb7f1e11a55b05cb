/** Compatibility cases: Kestra's dates, number formats, jq, YAML and the Java-exact text filters. */
import type { Section } from './table.js';

const K = (test: string) => `Kestra test: ${test}`;
const JAVA_TIME = 'Java docs: DateTimeFormatter';
const DECIMAL_FORMAT = 'Java docs: DecimalFormat';
const JQ = 'Kestra test: JqFilterTest';

export const LIBRARY_CASES: readonly Section[] = [
  {
    feature: 'Dates',
    about:
      "`date`, `dateAdd`, `timestamp…` as Kestra's java.time code: named formats (`iso` has microseconds), `timeZone`, `existingFormat`; an integer is epoch seconds.",
    cases: [
      [
        "{{ kestraNow | date('iso', timeZone='Europe/Paris') }}",
        '2013-09-08T17:19:12.123456+02:00',
        K('DateFilterTest'),
      ],
      [
        "{{ kestraNow | date('iso_sec', timeZone='Europe/Paris') }}",
        '2013-09-08T17:19:12+02:00',
        K('DateFilterTest'),
      ],
      ['{{ kestraNow | date }}', '2013-09-08T15:19:12.123456Z', K('DateFilterTest')],
      ["{{ kestraNow | date('sql') }}", '2013-09-08 15:19:12.123456', K('DateFilterTest')],
      ["{{ kestraNow | date('sql_seq') }}", '2013-09-08 15:19:12', 'Kestra source: AbstractDate'],
      ["{{ kestraNow | date('iso_local_date') }}", '2013-09-08', JAVA_TIME],
      ["{{ kestraNow | date('iso_date', timeZone='Europe/Paris') }}", '2013-09-08+02:00', JAVA_TIME],
      [
        "{{ kestraNow | date('iso_instant', timeZone='Europe/Paris') }}",
        '2013-09-08T15:19:12.123456Z',
        JAVA_TIME,
      ],
      ["{{ kestraNow | date('iso_local_time') }}", '15:19:12.123456', JAVA_TIME],
      ["{{ kestraNow | date('iso_week_date') }}", '2013-W36-7Z', JAVA_TIME],
      [
        "{{ kestraNow | date('yyyy-MM-dd HH:mm:ss.SSSSSSXXX', timeZone='UTC') }}",
        '2013-09-08 15:19:12.123456Z',
        K('DateFilterTest'),
      ],
      ["{{ kestraNow | date(format='yyyy-MM-dd') }}", '2013-09-08', K('DateFilterTest')],
      [
        "{{ 'July 24, 2001' | date('yyyy-MM-dd', existingFormat='MMMM dd, yyyy') }}",
        '2001-07-24',
        K('DateFilterTest'),
      ],
      [
        "{{ '2013-09-08T17:19:12+02:00' | date(timeZone='Europe/Paris') }}",
        '2013-09-08T17:19:12.000000+02:00',
        K('DateFilterTest'),
      ],
      [
        "{{ '2013-09-08' | date(timeZone='Europe/Paris') }}",
        '2013-09-08T00:00:00.000000+02:00',
        K('DateFilterTest'),
      ],
      [
        '{{ 1378653552 | date }}',
        '2013-09-08T15:19:12.000000Z',
        'Kestra source: AbstractDate (epoch seconds)',
      ],
      ["{{ kestraNow | date('EEEE, MMMM d, yyyy h:mm a') }}", 'Sunday, September 8, 2013 3:19 PM', JAVA_TIME],
      ["{{ kestraNow | date(\"yyyy'/'DDD 'at' HH 'o''clock'\") }}", "2013/251 at 15 o'clock", JAVA_TIME],
      ["{{ kestraNow | date('Z', timeZone='Asia/Kolkata') }}", '+0530', JAVA_TIME],
      [
        "{{ kestraNow | dateAdd(-1, 'DAYS', timeZone='Europe/Paris') }}",
        '2013-09-07T17:19:12.123456+02:00',
        K('DateAddFilterTest'),
      ],
      ["{{ '2024-01-31' | dateAdd(1, 'MONTHS', format='iso_local_date') }}", '2024-02-29', JAVA_TIME],
      ["{{ kestraNow | dateAdd(36, 'HOURS', format='sql_seq') }}", '2013-09-10 03:19:12', JAVA_TIME],
      [
        "{{ kestraNow | dateAdd(1, 'FORTNIGHTS') }}",
        { error: "unknown unit 'FORTNIGHTS'" },
        K('DateAddFilterTest'),
      ],
      ['{{ kestraNow | timestamp }}', '1378653552', K('DateFilterTest')],
      ['{{ kestraNow | timestampMilli }}', '1378653552123', K('DateFilterTest')],
      ['{{ kestraNow | timestampMicro }}', '1378653552000123456', K('DateFilterTest')],
      ['{{ kestraNow | timestampNano }}', '1378653552123456000', K('DateFilterTest')],
      ["{{ 'soon' | date }}", { error: "cannot parse 'soon'" }, K('DateFilterTest')],
      [
        "{{ kestraNow | date('yyyy', timeZone='Mars/Olympus') }}",
        { error: "unknown timeZone 'Mars/Olympus'" },
        K('DateFilterTest'),
      ],
      ['{{ nothing | date }}', '', K('DateFilterTest')],
      ["{{ now() | date('yyyy') | length }}", '4', 'Kestra docs: Expressions (now)'],
    ],
  },
  {
    feature: 'numberFormat',
    about: "Java's `DecimalFormat` patterns, rounding half-even.",
    cases: [
      ['{{ 3.141592653 | numberFormat("#.##") }}', '3.14', 'Kestra docs: Numbers and Collections Filters'],
      ["{{ 7.126 | numberFormat('#.##') }}", '7.13', 'Pebble docs: numberformat'],
      ["{{ 1234.5678 | numberFormat('#,##0.00') }}", '1,234.57', DECIMAL_FORMAT],
      ["{{ 0.125 | numberFormat('0.00') }}", '0.12', DECIMAL_FORMAT],
      ["{{ 2.5 | numberFormat('#') }}", '2', DECIMAL_FORMAT],
      ["{{ 3.5 | numberFormat('#') }}", '4', DECIMAL_FORMAT],
      ["{{ 7 | numberFormat('000') }}", '007', DECIMAL_FORMAT],
      ["{{ 1234567 | numberFormat('#,###') }}", '1,234,567', DECIMAL_FORMAT],
      ["{{ 0.1234 | numberFormat('0.0%') }}", '12.3%', DECIMAL_FORMAT],
      ["{{ -3.5 | numberFormat('00.00;(00.00)') }}", '(03.50)', DECIMAL_FORMAT],
      ["{{ 1234 | numberFormat('0.###E0') }}", '1.234E3', DECIMAL_FORMAT],
      ["{{ 9223372036854775807 | numberFormat('#,##0') }}", '9,223,372,036,854,775,807', DECIMAL_FORMAT],
      ["{{ 2.0 | numberformat('0.0') }}", '2.0', 'Pebble docs: numberformat'],
    ],
  },
  {
    feature: 'jq',
    about: 'Real jq (its WebAssembly build); the result is the list of every output, as Kestra returns it.',
    cases: [
      ["{{ [1, 2, 3] | jq('.[0]') }}", '[1]', JQ],
      ["{{ {'test': [1, 2, 3]} | jq('.test[0]') }}", '[1]', JQ],
      ["{{ {'test': [1, 2, 3]} | jq('.test[0]') | first }}", '1', JQ],
      ["{{ user | jq('.name') | first }}", 'Ada', JQ],
      ["{{ {'second': [1, 2, 3]} | jq('.second[]') }}", '[1,2,3]', JQ],
      ["{{ json | jq('.a | add') }}", '[3]', 'Kestra source: JqFilter (a string is read as JSON)'],
      ["{{ map | jq('.c') }}", '[null]', 'jq manual: a missing key is null'],
      ["{{ map | jq('empty') }}", '[]', 'jq manual: empty'],
      ['{{ user | jq(\'"hello \\\\(.name)"\') | first }}', 'hello Ada', 'jq manual: string interpolation'],
      ["{{ map | jq('.a[') }}", { error: 'syntax error' }, JQ],
    ],
  },
  {
    feature: 'YAML, escaping, indentation, class names',
    about: "Kestra's `yaml` filter and function, `escapeChar`, `indent`/`nindent`, `className`.",
    cases: [
      ['{{ map | yaml }}', 'a: 1\nb: 2\n', K('YamlFilterTest')],
      ['{{ user.tags | yaml }}', ' - admin\n - ops\n', K('YamlFilterTest')],
      ["{{ yaml('b: [x, y]').b[1] }}", 'y', 'Kestra test: YamlFunctionTest'],
      ['{{ nothing | yaml }}', 'null', K('YamlFilterTest')],
      ["{{ {'a': 1, 'b': 'x'} | toIon }}", '{a:1,b:"x"}', K('ToIonFilterTest')],
      ['{{ fromIon(\'{a:1,b:"x"}\').b }}', 'x', K('FromIonFunctionTest')],
      ["{{ \"L'été\" | escapeChar('single') }}", "L\\'été", K('EscapeCharFilterTest')],
      ["{{ 'say \"hi\"' | escapeChar('double') }}", 'say \\"hi\\"', K('EscapeCharFilterTest')],
      ["{{ \"it's\" | escapeChar('shell') }}", "it'\\''s", K('EscapeCharFilterTest')],
      [
        "{{ 'x' | escapeChar('csv') }}",
        { error: "either 'single', 'double', or 'shell'" },
        K('EscapeCharFilterTest'),
      ],
      ["{{ 'a\nb\nc' | indent(2) }}", 'a\n  b\n  c', K('IndentFilterTest')],
      ["{{ 'a\nb' | nindent(2) }}", '\n  a\n  b', K('NindentFilterTest')],
      ["{{ 'a\nb' | indent(1, prefix='-') }}", 'a\n-b', K('IndentFilterTest')],
      ["{{ 'text' | className }}", 'java.lang.String', 'Kestra source: ClassNameFilter'],
      ['{{ user.age | className }}', 'java.lang.Integer', 'Kestra source: ClassNameFilter'],
      ['{{ 1 | className }}', 'java.lang.Long', 'Pebble source: ExpressionParser (number literals are Long)'],
      ["{{ '12.3' | number | className }}", 'java.lang.Float', K('NumberFilterTest')],
      ['{{ price | className }}', 'java.lang.Double', 'Kestra source: ClassNameFilter'],
      ['{{ fruits | className }}', 'java.util.ArrayList', 'Kestra source: ClassNameFilter'],
      ['{{ map | className }}', 'java.util.LinkedHashMap', 'Kestra source: ClassNameFilter'],
      ['{{ [[1, 2], [3]] | flatten }}', '[1,2,3]', K('FlattenFilterTest')],
      ["{{ 'a1b2' | replace({'\\\\d': '#'}, regexp=true) }}", 'a#b#', K('ReplaceFilterTest')],
      [
        "{{ 'John Smith' | replace({'(\\\\w+) (\\\\w+)': '$2 $1'}, regexp=true) }}",
        'Smith John',
        K('ReplaceFilterTest'),
      ],
    ],
  },
];
