/** Compatibility cases taken from Pebble's own unit tests and sources, as Kestra configures Pebble. */
import type { Section } from './table.js';

const MAP = 'Pebble source: MapExpression (a HashMap)';
const PT = (test: string) => `Pebble test: ${test}`;

export const PEBBLE_TEST_CASES: readonly Section[] = [
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
  {
    feature: "Pebble's tests: filters",
    about: "Cases of Pebble's CoreFiltersTest for the filters Kestra keeps from Pebble.",
    cases: [
      ['{{ -5 | abs }}', '5', PT('CoreFiltersTest')],
      ['{{ -5.2 | abs }}', '5.2', PT('CoreFiltersTest')],
      ['{{ null | upper | lower }}', '', PT('CoreFiltersTest')],
      ['{{ null | lower }}', '', PT('CoreFiltersTest')],
      ['{{ null | date("MM/dd/yyyy") }}', '', PT('CoreFiltersTest')],
      ['{{ null | urlencode }}', '', PT('CoreFiltersTest')],
      ['{{ 10000.235166 | numberformat("$#,###,###,##0.00") }}', '$10,000.24', PT('CoreFiltersTest')],
      ['{{ 10000.235166 | numberformat(format="$#,###,###,##0.00") }}', '$10,000.24', PT('CoreFiltersTest')],
      [
        "{{ '2012-July-1' | date(existingFormat='yyyy-MMMM-d', format='yyyy/MMMM/d') }}",
        '2012/July/1',
        PT('CoreFiltersTest'),
      ],
      [
        "{{ '2012-July-1' | date('yyyy/MMMM/d', 'yyyy-MMMM-d') }}",
        { error: "date: unknown timeZone 'yyyy-MMMM-d'" },
        "Kestra source: AbstractDate (Kestra's date takes format, timeZone, existingFormat, locale in that order)",
      ],
      [
        '{{ true | date("MM/dd/yyyy") }}',
        { error: 'date: cannot read a date from boolean true' },
        PT('CoreFiltersTest'),
      ],
    ],
  },
];
