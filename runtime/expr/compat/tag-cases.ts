/** Compatibility cases: tags, whitespace, comments, tests. */
import type { Section } from './table.js';

const PEBBLE_TAGS = 'Pebble docs: Tags';
const PEBBLE_FOR = 'Pebble docs: for';
const PEBBLE_MACRO = 'Pebble docs: macro';
const PEBBLE_WHITESPACE = 'Pebble docs: Whitespace control';
const PEBBLE_TESTS = 'Pebble docs: Tests';
const KESTRA_NEWLINES = 'Kestra source: PebbleEngineFactory (newLineTrimming false)';
const KESTRA_JSON_TEST = 'Kestra source: JsonTest';
const PEBBLE_COMMENTS = 'Pebble docs: Basic usage (comments)';
const PEBBLE_ARGS = 'Pebble source: ExpressionParser (named arguments)';

export const TAG_CASES: readonly Section[] = [
  {
    feature: 'if, elseif, else',
    about: 'The first true branch renders.',
    cases: [
      ['{% if num > 3 %}big{% endif %}', 'big', PEBBLE_TAGS],
      ['{% if num > 10 %}big{% else %}small{% endif %}', 'small', PEBBLE_TAGS],
      ['{% if num > 10 %}a{% elseif num > 4 %}b{% else %}c{% endif %}', 'b', PEBBLE_TAGS],
      ['{% if user.tags is empty %}none{% else %}{{ user.tags | length }}{% endif %}', '2', PEBBLE_TAGS],
      ['{% if nope is defined %}yes{% else %}no{% endif %}', 'no', PEBBLE_TAGS],
      ['{% if nope %}yes{% endif %}', { error: "undefined variable 'nope'" }, KESTRA_NEWLINES],
      ['{% if num > 3 %}x{% endfor %}', { error: 'endfor' }, PEBBLE_TAGS],
    ],
  },
  {
    feature: 'for',
    about: 'Over lists and maps (entries with `key` and `value`), with `else` for an empty one and `loop.*`.',
    cases: [
      ['{% for f in fruits %}{{ f }} {% endfor %}', 'apple banana cherry ', PEBBLE_FOR],
      ['{% for i in 1..3 %}{{ i }}{% endfor %}', '123', PEBBLE_FOR],
      ['{% for f in fruits %}{{ loop.index }}{% endfor %}', '012', PEBBLE_FOR],
      ['{% for f in fruits %}{{ loop.revindex }}{% endfor %}', '210', PEBBLE_FOR],
      ['{% for f in fruits %}{{ loop.length }}{% endfor %}', '333', PEBBLE_FOR],
      [
        '{% for f in fruits %}{{ f }}{% if not loop.last %}, {% endif %}{% endfor %}',
        'apple, banana, cherry',
        PEBBLE_FOR,
      ],
      ['{% for f in fruits %}{% if loop.first %}[{% endif %}{{ f | first }}{% endfor %}', '[abc', PEBBLE_FOR],
      ['{% for x in [] %}{{ x }}{% else %}empty{% endfor %}', 'empty', PEBBLE_FOR],
      ['{% for x in nothing %}{{ x }}{% else %}none{% endfor %}', 'none', PEBBLE_FOR],
      ['{% for e in map %}{{ e.key }}={{ e.value }};{% endfor %}', 'a=1;b=2;', PEBBLE_FOR],
      ['{% for row in nested %}{% for x in row %}{{ x }}{% endfor %}|{% endfor %}', '12|3|', PEBBLE_FOR],
      [
        '{% for row in nested %}{% for x in row %}{{ loop.index }}{% endfor %}{% endfor %}',
        '010',
        PEBBLE_FOR,
      ],
    ],
  },
  {
    feature: 'set',
    about: 'Assigns a variable for the rest of the template.',
    cases: [
      ["{% set greeting = 'Hi ' ~ user.name %}{{ greeting }}", 'Hi Ada', PEBBLE_TAGS],
      ['{% set n = num * 2 %}{{ n + 1 }}', '11', PEBBLE_TAGS],
      ["{% set l = [1, 2] %}{{ l | join('-') }}", '1-2', PEBBLE_TAGS],
      ['{% set null = 1 %}', { error: 'cannot assign a value to null' }, PEBBLE_ARGS],
    ],
  },
  {
    feature: 'filter, macro, block, raw, verbatim, autoescape',
    about:
      'The other tags Kestra keeps. `autoescape` is accepted and does nothing, as Kestra turns escaping off.',
    cases: [
      ['{% filter upper %}hello {{ user.name }}{% endfilter %}', 'HELLO ADA', PEBBLE_TAGS],
      ["{% filter lower | replace({'a': 'o'}) %}ABBA{% endfilter %}", 'obbo', PEBBLE_TAGS],
      ["{% macro greet(name) %}Hello {{ name }}{% endmacro %}{{ greet('Bob') }}", 'Hello Bob', PEBBLE_MACRO],
      [
        "{% macro greet(name, p='!') %}Hi {{ name }}{{ p }}{% endmacro %}{{ greet('Bob') }}",
        'Hi Bob!',
        PEBBLE_MACRO,
      ],
      [
        "{% macro greet(name, p='!') %}Hi {{ name }}{{ p }}{% endmacro %}{{ greet(p='?', name='Al') }}",
        'Hi Al?',
        PEBBLE_MACRO,
      ],
      ['{{ twice(2) }}{% macro twice(x) %}{{ x * 2 }}{% endmacro %}', '4', PEBBLE_MACRO],
      [
        '{% macro m() %}{{ user }}{% endmacro %}{{ m() }}',
        { error: "undefined variable 'user'" },
        PEBBLE_MACRO,
      ],
      ['{% block title %}Home{% endblock %} / {{ block("title") }}', 'Home / Home', 'Pebble docs: block'],
      ['{% raw %}{{ not rendered }}{% endraw %}', '{{ not rendered }}', PEBBLE_TAGS],
      ['{% verbatim %}{{ user.name }}{% endverbatim %}', '{{ user.name }}', 'Pebble docs: verbatim'],
      [
        "{% autoescape 'html' %}<b>{{ '<i>' }}</b>{% endautoescape %}",
        '<b><i></b>',
        'Kestra source: PebbleEngineFactory (autoEscaping false)',
      ],
      [
        "{% include 'other' %}",
        { error: "unknown tag 'include'" },
        'Kestra docs: Expressions (no file templates)',
      ],
    ],
  },
  {
    feature: 'Whitespace and comments',
    about: 'The newline after a tag is kept (Kestra sets `newLineTrimming(false)`); `-` trims on its side.',
    cases: [
      ['{% if true %}\nyes\n{% endif %}\nend', '\nyes\n\nend', KESTRA_NEWLINES],
      ['{% for i in 1..2 %}\n{{ i }}{% endfor %}', '\n1\n2', KESTRA_NEWLINES],
      ['a  {{- "b" -}}  c', 'abc', PEBBLE_WHITESPACE],
      ['a\n  {%- if true %}b{% endif -%}\n  c', 'abc', PEBBLE_WHITESPACE],
      ['{% for i in 1..3 -%}\n  {{ i }}\n{%- endfor %}', '123', PEBBLE_WHITESPACE],
      ['a{# a comment #}b{{ 1 }}', 'ab1', PEBBLE_COMMENTS],
      [
        'a{# a comment #}b',
        'a{# a comment #}b',
        PEBBLE_COMMENTS,
        'Kestra removes the comment. Tern renders only strings that contain `{{` or `{%`, so that shell text such as the Bash array length (dollar, brace, hash) needs no escaping; a comment in such a string stays as written.',
      ],
      ['a {#- trimmed -#} b{{ 1 }}', 'ab1', PEBBLE_WHITESPACE],
      ['{# {{ nope }} #}ok', 'ok', PEBBLE_COMMENTS],
      ['{{ 1 }}{# unclosed', { error: 'unclosed comment' }, PEBBLE_COMMENTS],
    ],
  },
  {
    feature: 'Tests',
    about: "`is` and `is not` with Pebble's tests and Kestra's `json`.",
    cases: [
      ['{{ nothing is null }}', 'true', PEBBLE_TESTS],
      ['{{ num is null }}', 'false', PEBBLE_TESTS],
      ['{{ num is not null }}', 'true', PEBBLE_TESTS],
      ['{{ 2 is even }}', 'true', PEBBLE_TESTS],
      ['{{ 3 is odd }}', 'true', PEBBLE_TESTS],
      ['{{ 3 is even }}', 'false', PEBBLE_TESTS],
      ['{{ empty is empty }}', 'true', PEBBLE_TESTS],
      ['{{ blank is empty }}', 'true', PEBBLE_TESTS],
      ['{{ [] is empty }}', 'true', PEBBLE_TESTS],
      ['{{ {} is empty }}', 'true', PEBBLE_TESTS],
      ['{{ fruits is empty }}', 'false', PEBBLE_TESTS],
      ['{{ fruits is iterable }}', 'true', PEBBLE_TESTS],
      ['{{ text is iterable }}', 'false', PEBBLE_TESTS],
      ['{{ map is map }}', 'true', PEBBLE_TESTS],
      ['{{ fruits is map }}', 'false', PEBBLE_TESTS],
      ['{{ user is defined }}', 'true', PEBBLE_TESTS],
      ['{{ nope is defined }}', 'false', PEBBLE_TESTS],
      ['{{ user.nope is defined }}', 'false', PEBBLE_TESTS],
      ['{{ nope is not defined }}', 'true', PEBBLE_TESTS],
      ['{{ json is json }}', 'true', KESTRA_JSON_TEST],
      ["{{ 'abc' is json }}", 'false', KESTRA_JSON_TEST],
      ['{{ num is positive }}', { error: "unknown test 'positive'" }, PEBBLE_TESTS],
    ],
  },
  {
    feature: 'Named arguments',
    about:
      'Every filter, function and test takes its arguments by position or by name; an unknown name is an error.',
    cases: [
      ["{{ fruits | join(separator=', ') }}", 'apple, banana, cherry', PEBBLE_ARGS],
      ["{{ nope | default(default='d') }}", 'd', PEBBLE_ARGS],
      ["{{ 'Mitchell' | slice(fromIndex=1, toIndex=3) }}", 'it', PEBBLE_ARGS],
      ["{{ 'a,b,c' | split(delimiter=',', limit=2) }}", '["a","b,c"]', PEBBLE_ARGS],
      ["{{ fruits | join(sep=', ') }}", { error: "unknown argument 'sep' for filter 'join'" }, PEBBLE_ARGS],
      ['{{ range(1, 3, step=1, extra=2) }}', { error: "unknown argument 'extra'" }, PEBBLE_ARGS],
      [
        "{{ fruits | join(separator=',', ', ') }}",
        { error: 'positional arguments must be declared before' },
        PEBBLE_ARGS,
      ],
    ],
  },
];
