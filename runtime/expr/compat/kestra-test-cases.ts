/** Compatibility cases taken from Kestra's own unit tests (core/src/test/java/io/kestra/core/runners/pebble/). */
import type { Section } from './table.js';

const K = (test: string) => `Kestra test: ${test}`;
const JAVA = (what: string) => `Java 21 DateTimeFormatter: ${what}`;
const ZONED = '{% set zoned = "2013-09-08T16:19:12.123456+01:00" %}';
const BLOCK = '{% set block = {"test": {"child": "awesome"}} %}{% set inner = "test" %}';
const VARS = '{% set vars = {"string": "string", "int": 1, "float": 1.123, "bool": true, "null": null} %}';

export const KESTRA_TEST_CASES: readonly Section[] = [
  {
    feature: "Kestra's tests: variables, coalescing and raw",
    about:
      "Cases of Kestra's PebbleVariableRendererTest and coalescing tests; the variables they use are set in the template.",
    cases: [
      [
        '{% set list = ["string", 1, 1.123] %}{{ list[3] is defined ? bla : null }}',
        '',
        K('PebbleVariableRendererTest'),
      ],
      ['{{ "apple" ~ "pear" ~ "banana" }}', 'applepearbanana', K('PebbleVariableRendererTest')],
      [
        '{{ missing is defined ? missing : missing2 }}',
        { error: "undefined variable 'missing2'" },
        K('PebbleVariableRendererTest'),
      ],
      [
        '{% block "post" %} content {% endblock %}{{ block("post") }}',
        ' content  content ',
        K('PebbleVariableRendererTest'),
      ],
      [
        'See some code {% raw %}{{ var }}{% endraw %}',
        'See some code {{ var }}',
        K('PebbleVariableRendererTest'),
      ],
      [
        'See some code {%raw%}{{ var }}{%endraw%}',
        'See some code {{ var }}',
        K('PebbleVariableRendererTest'),
      ],
      [
        'See some code {%-  raw%}{{ var }}{%endraw -%}',
        'See some code {{ var }}',
        K('PebbleVariableRendererTest'),
      ],
      [
        'See some code {% raw %}{{ var }}{% endraw %} and some other code {% raw %}{{ var2 }}{% endraw %}',
        'See some code {{ var }} and some other code {{ var2 }}',
        K('PebbleVariableRendererTest'),
      ],
      [`${BLOCK}{{ block[inner].child }}`, 'awesome', K('PebbleVariableRendererTest')],
      [
        `${BLOCK}{{ inner.bla is not defined ? block.test.child : null }}`,
        'awesome',
        K('PebbleVariableRendererTest'),
      ],
      [
        `${BLOCK}{{ block[missing].child is defined ? null : block[inner].child }}`,
        'awesome',
        K('PebbleVariableRendererTest'),
      ],
      [
        `${BLOCK}{{ block[missing].child is not defined ? (block[missing2].child is not defined ? block[inner].child : null) : null }}`,
        'awesome',
        K('PebbleVariableRendererTest'),
      ],
      [`${BLOCK}{{ block['test'] }}`, '{"child":"awesome"}', K('PebbleVariableRendererTest')],
      [`${BLOCK}{{ block[inner]['child'] }}`, 'awesome', K('PebbleVariableRendererTest')],
      [
        '{{ get missing }}',
        { error: "expected the end of the tag but found 'missing'" },
        K('PebbleVariableRendererTest'),
      ],
      [`${BLOCK}{{ inner.bla ?? block.test.child }}`, 'awesome', K('NullCoalescingExpressionTest')],
      [
        '{{ missing ?? missing2 }}',
        { error: "undefined variable 'missing2'" },
        K('NullCoalescingExpressionTest'),
      ],
      [
        `${BLOCK}{{ block[missing].child ?? block[missing2].child ?? block[inner].child }}`,
        'awesome',
        K('NullCoalescingExpressionTest'),
      ],
      ["{{ undefined ??? 'IS UNDEFINED' }}", 'IS UNDEFINED', K('UndefinedCoalescingExpressionTest')],
      ["{{ 'b' > 'a' }}", 'true', K('GreaterThanExpressionTest')],
      ["{{ 'a' > 'a' }}", 'false', K('GreaterThanExpressionTest')],
      ["{{ 'b' >= 'b' }}", 'true', K('GreaterThanEqualsExpressionTest')],
      ["{{ 'a' < 'b' }}", 'true', K('LessThanExpressionTest')],
      ["{{ 'a' <= 'a' }}", 'true', K('LessThanEqualsExpressionTest')],
      ['{% set m = {"key": "value"} %}{{ \'value\' isIn m }}', 'true', K('InExpressionTest')],
    ],
  },
  {
    feature: "Kestra's tests: filters",
    about: "Cases of Kestra's filter tests (core/src/test/java/io/kestra/core/runners/pebble/filters/).",
    cases: [
      [
        '{% set list = [1,2,3,4,5,6,7,8,9] %}{{ list | chunk(2) }}',
        '[[1,2],[3,4],[5,6],[7,8],[9]]',
        K('ChunkFilterTest'),
      ],
      [
        '{% set test = 1 %}{{ test | chunk(2) }}',
        { error: 'chunk: the filter can only be applied to a list' },
        K('ChunkFilterTest'),
      ],
      [
        "{{ 'john doe is john doe' | replace({'john': 'jane'}) }}",
        'jane doe is jane doe',
        K('ReplaceFilterTest'),
      ],
      [
        "{{ 'aa1bb2cc3dd4ee5' | replace({'(\\d)': '-$1-'}, regexp=true) }}",
        'aa-1-bb-2-cc-3-dd-4-ee-5-',
        K('ReplaceFilterTest'),
      ],
      ['{{ [1, 2, 3] | jq(".[0]") | first }}', '1', K('JqFilterTest')],
      ['{% set my_vars = {"test": [1,2,3]} %}{{ my_vars | jq(".test[0]") }}', '[1]', K('JqFilterTest')],
      ['{% set vars = {"second": [1,2,3]} %}{{ vars | jq(".second[]") }}', '[1,2,3]', K('JqFilterTest')],
      [`${VARS}{{ vars | jq(".string") | first | className }}`, 'java.lang.String', K('JqFilterTest')],
      [`${VARS}{{ vars | jq(".int") | first | className }}`, 'java.lang.Integer', K('JqFilterTest')],
      [`${VARS}{{ vars | jq(".bool") | first | className }}`, 'java.lang.Boolean', K('JqFilterTest')],
      [`${VARS}{{ vars | jq(".null") | first | className }}`, '', K('JqFilterTest')],
      [
        '{% set vars = {"object": {"key": "value"}} %}{% set object = vars | jq(".object") %}{{ object[0].key }}',
        'value',
        K('JqFilterTest'),
      ],
      [
        '{% set vars = {"array": ["arrayValue"]} %}{% set array = vars | jq(".array") %}{{ array[0][0] }}',
        'arrayValue',
        K('JqFilterTest'),
      ],
      ['{{ "2147483647" | number | className }}', 'java.lang.Integer', K('NumberFilterTest')],
      ['{{ "9223372036854775807" | number | className }}', 'java.lang.Long', K('NumberFilterTest')],
      [
        '{{ "9223372036854775807" | number(\'BIGDECIMAL\') | className }}',
        'java.math.BigDecimal',
        K('NumberFilterTest'),
      ],
      [
        '{{ "9223372036854775807" | number(\'BIGINTEGER\') | className }}',
        'java.lang.Long',
        K('NumberFilterTest'),
        'Kestra gives java.math.BigInteger. Tern keeps integers as 64-bit longs (exact, with the same arithmetic as Pebble applies to a BigInteger); only className tells them apart.',
      ],
      [
        '{{ "9223372036854775807" | number(\'DOUBLE\') | className }}',
        'java.lang.Double',
        K('NumberFilterTest'),
      ],
      ['{{ "9223372036854775807" | number(\'DOUBLE\') }}', '9.223372036854776E18', K('NumberFilterTest')],
      [
        '{{ "12.3" | number + 1 }}',
        '13.300000190734863',
        'Kestra source: NumberFilter (a Float, widened to a double)',
      ],
      [
        '{{ "1.234567890123456789" | number }}',
        '1.234567890123456789',
        'Kestra source: NumberFilter (a BigDecimal)',
      ],
      ['{{ 1.232654 | numberFormat("#.##") }}', '1.23', K('PebbleVariableRendererTest')],
      ['{{ {"empty_object":{}} | toJson }}', '{"empty_object":{}}', K('ToJsonFilterTest')],
      ['{{ null | toJson }}', 'null', K('ToJsonFilterTest')],
      ['{{ | toJson }}', { error: "unexpected '|'" }, K('ToJsonFilterTest')],
      ['{{ {not: json} | toJson }}', { error: "unexpected ':'" }, K('ToJsonFilterTest')],
      ['{{ {"empty_object":{}} | json }}', '{"empty_object":{}}', K('JsonFilterTest')],
      ["{{ 'string' | yaml }}", 'string\n', K('YamlFilterTest')],
      ['{{ 1.123 | yaml }}', '1.123\n', K('YamlFilterTest')],
      ['{{ ["string", 1, 1.123] | yaml }}', ' - string\n - 1\n - 1.123\n', K('YamlFilterTest')],
      ["{{ '' | escapeChar('shell') }}", '', K('EscapeCharFilterTest')],
      [
        "{{ 'Hello' | escapeChar('') }}",
        { error: "escapeChar: the 'type' argument must be" },
        K('EscapeCharFilterTest'),
      ],
      ['{{ null | indent(2) }}', '', K('IndentFilterTest')],
      ["{{ '' | indent(2) }}", '', K('IndentFilterTest')],
      ['{{ "\n\n" | indent(2) }}', '\n  \n  ', K('IndentFilterTest')],
      ['{{ 1 | indent(2) }}', '1', K('IndentFilterTest')],
      ['{{ "first line\r\nsecond line" | indent(2) }}', 'first line\r\n  second line', K('IndentFilterTest')],
      ['{{ "first line\rsecond line" | indent(2) }}', 'first line\r  second line', K('IndentFilterTest')],
      [
        '{{ "first line\nsecond line" | indent(2, "\t") }}',
        'first line\n\t\tsecond line',
        K('IndentFilterTest'),
      ],
      ['{{ null | nindent(2) }}', '', K('NindentFilterTest')],
      [
        '{{ "first line\r\nsecond line" | nindent(2) }}',
        '\r\n  first line\r\n  second line',
        K('NindentFilterTest'),
      ],
      ['{{ "\n\n" | nindent(2) }}', '\n  \n  \n  ', K('NindentFilterTest')],
      [
        '{{ "first line\nsecond line" | nindent(2, "\t") }}',
        '\n\t\tfirst line\n\t\tsecond line',
        K('NindentFilterTest'),
      ],
      ["{{ 'a.b.c' | substringAfter(separator='.') }}", 'b.c', K('SubstringFilterTest')],
      ["{{ 'a.b.c' | substringBeforeLast(separator='.') }}", 'a.b', K('SubstringFilterTest')],
      ['{{ "Test\t\t\ntest*" | slugify }}', 'test-test', K('SlugifyFilterTest')],
      ['{{ ["a", ["b", "c"], "d"] | flatten | first }}', 'a', K('FlattenFilterTest')],
      ['{{ ["string", 1, 1.123] | keys }}', '[0,1,2]', K('KeysFilterTest')],
      ['{{ 12.3 | string | className }}', 'java.lang.String', K('StringFilterTest')],
      ['{{ {"field":"hello"} | string | className }}', 'java.lang.String', K('StringFilterTest')],
      [
        '{{ ["one", "two", "one", "three", 1, 2, 1, 1.123, 2.123, 1.123, 10.0, 10.0] | distinct }}',
        '["one","two","three",1,2,1.123,2.123,10.0]',
        K('DistinctFilterTest'),
      ],
      ['{{ [] | distinct }}', '[]', K('DistinctFilterTest')],
      ['{{ null | distinct }}', 'null', K('DistinctFilterTest')],
      ['{{ "string" | distinct }}', { error: 'distinct needs a list' }, K('DistinctFilterTest')],
      ['{{ "Hello World" | startsWith("Hello") }}', 'true', K('StartsWithFilterTest')],
      ["{{ 'Kestra rulez !' | urlencode | urldecode }}", 'Kestra rulez !', K('UrlDecodeFilter')],
    ],
  },
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
