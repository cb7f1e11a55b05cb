/** Compatibility cases taken from Kestra's own unit tests (core/src/test/java/io/kestra/core/runners/pebble/). */
import type { Section } from './table.js';

const K = (test: string) => `Kestra test: ${test}`;
const MAP = 'Pebble source: MapExpression (a HashMap)';
const PT = (test: string) => `Pebble test: ${test}`;
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
      ['{{ "12.3" | number + 1 }}', '13.3', 'Pebble source: OperatorUtils (a Float and a Long give a Float)'],
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
  {
    feature: "Pebble's tests: logic and arithmetic",
    about:
      "Cases of Pebble's LogicTest (Pebble 4, the version Kestra ships), with strict variables as Kestra sets them.",
    cases: [
      ['{% if -2 == -+(5 - 3) %}yes{% else %}no{% endif %}', 'yes', PT('LogicTest')],
      ['{% set val = false %}{% if not (val) %}yes{% else %}no{% endif %}', 'yes', PT('LogicTest')],
      ['{% set val = true %}{% if not (val) %}yes{% else %}no{% endif %}', 'no', PT('LogicTest')],
      [
        '{% if not (nothing) %}yes{% else %}no{% endif %}',
        { error: 'a null value cannot be a condition' },
        PT('LogicTest'),
      ],
      [
        '{% if nothing %}true{% else %}false{% endif %}',
        { error: 'a null value cannot be a condition' },
        PT('LogicTest'),
      ],
      [
        '{% if nothing and true %}yes{% else %}no{% endif %}',
        { error: 'a null value cannot be a condition' },
        PT('LogicTest'),
      ],
      ['{% if false and nothing %}yes{% else %}no{% endif %}', 'no', PT('LogicTest')],
      [
        '{% if false or nothing %}yes{% else %}no{% endif %}',
        { error: 'a null value cannot be a condition' },
        PT('LogicTest'),
      ],
      ['{% if true or nothing %}yes{% else %}no{% endif %}', 'yes', PT('LogicTest')],
      ['{{ 8 + 5 * 4 - (6 + 10 / 2)  + 44 }}-{{ 10%3 }}', '61-1', PT('LogicTest')],
      ['{{ 10 + "2" }}', '102', PT('LogicTest')],
      ['{{ "10" + "2" }}', '102', PT('LogicTest')],
      ['{{ "10" - 2 }}', '8', PT('LogicTest')],
      ['{{ 10 - "2" }}', '8', PT('LogicTest')],
      ['{{ "10" * "2" }}', '20', PT('LogicTest')],
      ['{{ "10" / 2 }}', '5', PT('LogicTest')],
      ['{{ "10" % "2" }}', '0', PT('LogicTest')],
      ['{{ "3.14" * 2 }}', '6.28', PT('OperatorUtilsToNumberTest')],
      [
        '{{ "1.2.3" * 2 }}',
        { error: "'*' cannot read a number from '1.2.3'" },
        PT('OperatorUtilsToNumberTest'),
      ],
      [
        '{% set item = {"falsy": false, "truthy": true} %}{% if not item.falsy and not item.truthy %}shown{% else %}All\'s good{% endif %}',
        "All's good",
        PT('LogicTest'),
      ],
      ['{{ true ? 1 : 2 }}-{{ 1 + 4 == 5 ?(2-1) : 2 }}', '1-1', PT('LogicTest')],
      ['{% if 3 > 2.0 %}yes{% endif %}', 'yes', PT('LogicTest')],
      [
        "{% if 'test' equals 'test' %}yes{% endif %}{% if 'blue' equals 'red' %}no{% else %}yes{% endif %}",
        'yesyes',
        PT('LogicTest'),
      ],
      [
        '{% if null equals null %}yes{% endif %}{% if null equals nothing %}yes{% else %}no{% endif %}',
        'yesyes',
        PT('LogicTest'),
      ],
      ['{% if 1 + 2 is odd %} true {% else %} false {% endif %}', ' true ', PT('LogicTest')],
      ['{% if 3 is odd and 5 is odd %} true {% else %} false {% endif %}', ' true ', PT('LogicTest')],
      ['{% if nothing > 2 %}yes{% else %}no{% endif %}', 'no', PT('LogicTest')],
      ['{{ not true == false }}', 'true', 'Pebble source: CoreExtension (not binds at 500, tighter than ==)'],
      [
        "{{ not fruits contains 'apple' }}",
        { error: 'contains needs a list, a map or a string on its left, got a boolean' },
        'Pebble source: CoreExtension (not binds at 500, tighter than contains)',
      ],
      [
        '{{ not nothing is null }}',
        { error: 'a null value cannot be a condition' },
        'Pebble source: CoreExtension (not binds at 500, tighter than is)',
      ],
      ['{{ not (nothing is null) }}', 'false', 'Pebble source: CoreExtension (parentheses first)'],
    ],
  },
  {
    feature: 'Map literal order',
    about:
      "Pebble builds a map literal into a java.util.HashMap, so Kestra prints and loops over its keys in Java's hash order, not as written; Tern orders them the same way. Maps from data (inputs, outputs, JSON) keep their order.",
    cases: [
      ['{{ {"b": 1, "a": 2} }}', '{"a":2,"b":1}', MAP],
      ['{{ {"name": "x", "age": 3, "city": "P"} }}', '{"name":"x","city":"P","age":3}', MAP],
      ['{% for k, v in {"zeta": 1, "alpha": 2, "mid": 3} %}{{ k }} {% endfor %}', 'zeta mid alpha ', MAP],
      ['{{ {"b": 1, "a": 2} | keys }}', '["a","b"]', MAP],
      ['{{ map }}', '{"a":1,"b":2}', 'Kestra source: JsonWriter (a map from data keeps its order)'],
    ],
  },
  {
    feature: 'jq 1.7 and jackson-jq',
    about:
      "Kestra's jq filter runs jackson-jq, a Java reimplementation of jq 1.6; Tern runs jq 1.7 itself. Programs written for Kestra give the same results; jq 1.7's additions work in Tern only.",
    cases: [
      ["{{ {'a': [3, 1]} | jq('.a | sort') | first }}", '[1,3]', 'jq manual: sort'],
      ["{{ [1, [2]] | jq('flatten') }}", '[[1,2]]', 'jq manual: flatten'],
      [
        "{{ {'a': 1, 'b': 2} | jq('pick(.a)') }}",
        '[{"a":1}]',
        'jq 1.7 manual: pick',
        'jq 1.7 added pick, debug(msg), scan($re; $flags), have_decnum, have_literal_numbers, @base32d and $__loc__; jackson-jq (jq 1.6) reports them as unknown functions. jq 1.7 also keeps integer literals beyond 2^53 exact where 1.6 rounds them to doubles.',
      ],
    ],
  },
];
