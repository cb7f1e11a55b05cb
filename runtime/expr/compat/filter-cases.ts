/** Compatibility cases: Pebble's and Kestra's filters. */
import type { Section } from './table.js';

const P = (name: string) => `Pebble docs: ${name}`;
const KESTRA_COLLECTIONS = 'Kestra docs: Numbers and Collections Filters';
const KESTRA_STRINGS = 'Kestra docs: String Filters';
const KESTRA_JSON = 'Kestra docs: JSON Filters';
const K = (test: string) => `Kestra test: ${test}`;
const REGEX = (source: string) => `Kestra source: ${source}`;
const NUMBER_FILTER = 'Kestra source: NumberFilter (NumberUtils.createBigDecimal / createBigInteger)';
const JAVA_BIG_DECIMAL = 'Java docs: BigDecimal(String) and BigDecimal.toString';
const OPERATOR_UTILS = 'Pebble source: OperatorUtils (widening to BigDecimal, DECIMAL128)';
/** `{{ '1234…890' | number(type)<rest> }}`: a 30-digit number read as a BigInteger or a BigDecimal. */
const big = (type: 'BIGINTEGER' | 'BIGDECIMAL', rest = '') =>
  `{{ '123456789012345678901234567890' | number('${type}')${rest} }}`;

export const FILTER_CASES: readonly Section[] = [
  {
    feature: 'Text filters',
    about: 'Case, trimming, replacing, splitting, hashing and encoding text.',
    cases: [
      ["{{ 'hello' | upper }}", 'HELLO', P('upper')],
      ["{{ 'HELLO' | lower }}", 'hello', P('lower')],
      ["{{ '  hi  ' | trim }}", 'hi', P('trim')],
      ["{{ 'article title' | capitalize }}", 'Article title', P('capitalize')],
      ["{{ 'article title' | title }}", 'Article Title', P('title')],
      ["{{ 'this is a long sentence.' | abbreviate(7) }}", 'this...', P('abbreviate')],
      ["{{ 'short' | abbreviate(10) }}", 'short', P('abbreviate')],
      ["{{ 'Mitchell' | slice(1, 3) }}", 'it', P('slice')],
      ["{{ 'Kestra' | length }}", '6', KESTRA_COLLECTIONS],
      ["{{ 'Kestra' | first }}", 'K', KESTRA_COLLECTIONS],
      ["{{ 'Kestra' | last }}", 'a', KESTRA_COLLECTIONS],
      ["{{ 'one,two,three' | split(',') }}", '["one","two","three"]', P('split')],
      ["{{ 'one,two,three' | split(',', 2) }}", '["one","two,three"]', P('split')],
      [
        "{{ 'a1b22c' | split('\\\\d+') }}",
        '["a","b","c"]',
        'Pebble source: SplitFilter (String.split, a regex)',
      ],
      ["{{ 'a,b,,' | split(',') }}", '["a","b"]', 'Pebble source: SplitFilter (String.split, a regex)'],
      [
        "{{ 'I like %this% and %that%.' | replace({'%this%': 'apples', '%that%': 'oranges'}) }}",
        'I like apples and oranges.',
        P('replace'),
      ],
      ["{{ 'test' | base64encode }}", 'dGVzdA==', P('base64encode')],
      ["{{ 'dGVzdA==' | base64decode }}", 'test', P('base64decode')],
      [
        "{{ 'test' | sha256 }}",
        '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
        P('sha256'),
      ],
      ["{{ 'test' | md5 }}", '098f6bcd4621d373cade4e832627b4f6', K('Md5FilterTest')],
      ["{{ 'test' | sha1 }}", 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3', K('Sha1FilterTest')],
      [
        "{{ 'test' | sha512 }}",
        'ee26b0dd4af7e749aa1a8ee3c10ae9923f618980772e473f8819a5d4940e0db27ac185f8a0e1d5f84f88bc887fd67b143732c304cc5fa9ad8e6f57f50028a8ff',
        K('Sha512FilterTest'),
      ],
      ["{{ 'The string ü@foo-bar' | urlencode }}", 'The+string+%C3%BC%40foo-bar', P('urlencode')],
      ["{{ 'a+b%26c' | urldecode }}", 'a b&c', KESTRA_STRINGS],
      ["{{ 'Hello World' | slugify }}", 'hello-world', KESTRA_STRINGS],
      ["{{ 'kestra' | startsWith('kes') }}", 'true', KESTRA_STRINGS],
      ["{{ 'kestra' | endsWith('tra') }}", 'true', KESTRA_STRINGS],
      ["{{ 'kestra' | startsWith('tra') }}", 'false', KESTRA_STRINGS],
      ["{{ 'a.b.c' | substringBefore('.') }}", 'a', K('SubstringFilterTest')],
      ["{{ 'a.b.c' | substringBeforeLast('.') }}", 'a.b', K('SubstringFilterTest')],
      ["{{ 'a.b.c' | substringAfter('.') }}", 'b.c', K('SubstringFilterTest')],
      ["{{ 'a.b.c' | substringAfterLast('.') }}", 'c', K('SubstringFilterTest')],
      ["{{ 'abc' | substringBefore('x') }}", 'abc', K('SubstringFilterTest')],
      ["{{ 'abc' | substringAfter('x') }}", '', K('SubstringFilterTest')],
      ['{{ 5 | string }}', '5', K('StringFilterTest')],
      ["{{ 'line1\nline2' | nl2br }}", 'line1<br />line2', P('nl2br')],
    ],
  },
  {
    feature: 'List and map filters',
    about: 'Counting, sorting, slicing, joining and merging lists and maps.',
    cases: [
      ['{{ fruits | first }}', 'apple', KESTRA_COLLECTIONS],
      ['{{ fruits | last }}', 'cherry', KESTRA_COLLECTIONS],
      ['{{ fruits | length }}', '3', KESTRA_COLLECTIONS],
      ['{{ map | length }}', '2', P('length')],
      ['{{ nothing | length }}', '0', P('length')],
      ["{{ [1, 2, 3] | join(', ') }}", '1, 2, 3', P('join')],
      ['{{ [1, 2, 3] | join }}', '123', P('join')],
      ["{{ [1.0, 2] | join(',') }}", '1.0,2', P('join')],
      ['{{ items | sort }}', '[1,2,3]', P('sort')],
      ['{{ items | rsort }}', '[3,2,1]', P('rsort')],
      ["{{ ['b', 'c', 'a'] | sort }}", '["a","b","c"]', P('sort')],
      ['{{ items | reverse }}', '[2,1,3]', P('reverse')],
      ['{{ [1, 2, 3, 4] | slice(1, 3) }}', '[2,3]', P('slice')],
      ['{{ [1, 2] | merge([3, 4]) }}', '[1,2,3,4]', P('merge')],
      ["{{ {'a': 1} | merge({'b': 2}) }}", '{"a":1,"b":2}', P('merge')],
      ['{{ map | keys }}', '["a","b"]', K('KeysFilterTest')],
      ['{{ map | values }}', '[1,2]', K('ValuesFilterTest')],
      ['{{ [1, 2, 3, 4, 5] | chunk(2) }}', '[[1,2],[3,4],[5]]', K('ChunkFilterTest')],
      ['{{ [1, 2, 1, 3] | distinct }}', '[1,2,3]', K('DistinctFilterTest')],
      ['{{ fruits | first | upper }}', 'APPLE', KESTRA_COLLECTIONS],
      ["{{ nothing | default('none') }}", 'none', P('default')],
      ["{{ nope | default('none') }}", 'none', P('default')],
      ["{{ empty | default('none') }}", 'none', P('default')],
      ["{{ [] | default('none') }}", 'none', P('default')],
      ["{{ user.name | default('none') }}", 'Ada', P('default')],
      ["{{ user.nope.deeper | default('none') }}", 'none', P('default')],
      ['{{ -7 | abs }}', '7', KESTRA_COLLECTIONS],
      ['{{ -1.5 | abs }}', '1.5', P('abs')],
    ],
  },
  {
    feature: 'Numbers and JSON',
    about: "Reading numbers and JSON keeps Java's types: `1.0` stays a decimal, big integers stay exact.",
    cases: [
      ["{{ '42' | number }}", '42', K('NumberFilterTest')],
      ["{{ '12.3' | number }}", '12.3', KESTRA_COLLECTIONS],
      ["{{ '9223372036854775807' | number }}", '9223372036854775807', KESTRA_COLLECTIONS],
      ["{{ '12' | number + 1 }}", '13', K('NumberFilterTest')],
      ["{{ '12' | number('DOUBLE') }}", '12.0', K('NumberFilterTest')],
      ["{{ 'abc' | number }}", { error: "number cannot read a number from 'abc'" }, K('NumberFilterTest')],
      ['{{ map | toJson }}', '{"a":1,"b":2}', KESTRA_JSON],
      ["{{ 'x' | toJson }}", '"x"', KESTRA_JSON],
      ['{{ [1.0, 2] | toJson }}', '[1.0,2]', KESTRA_JSON],
      ['{{ nothing | toJson }}', 'null', K('ToJsonFilterTest')],
      ['{{ true | toJson }}', 'true', K('ToJsonFilterTest')],
      ['{{ user | toJson }}', '{"name":"Ada","age":36,"tags":["admin","ops"]}', KESTRA_JSON],
      ["{{ fromJson('[1.0, 2]') | join(',') }}", '1.0,2', 'Kestra test: FromJsonFunctionTest'],
      ['{{ fromJson(\'{"a": 1.5}\').a * 2 }}', '3.0', 'Kestra test: FromJsonFunctionTest'],
      ["{{ fromJson('9223372036854775807') }}", '9223372036854775807', 'Kestra test: FromJsonFunctionTest'],
      ['{{ (json | fromJson).a[1] }}', '2', 'Kestra test: FromJsonFunctionTest'],
    ],
  },
  {
    feature: 'Regex filters',
    about:
      "Kestra's `regexMatch`, `regexExtract` and `regexReplace`, with Java's regex and replacement syntax.",
    cases: [
      ['{{ "hello world" | regexMatch(regex="hello.*") }}', 'true', REGEX('RegexMatchFilter')],
      [
        '{{ "hello world" | regexMatch("^world") }}',
        'false',
        REGEX('RegexMatchFilter (find, not a whole match)'),
      ],
      ['{{ nothing | regexMatch("x") }}', 'false', REGEX('RegexMatchFilter')],
      ['{{ "x" | regexMatch() }}', { error: "The argument 'regex' is required." }, REGEX('RegexMatchFilter')],
      ['{{ "order-12345-done" | regexExtract(regex="\\\\d+") }}', '12345', REGEX('RegexExtractFilter')],
      [
        '{{ "order-12345-done" | regexExtract("(\\\\w+)-(\\\\d+)", 2) }}',
        '12345',
        REGEX('RegexExtractFilter'),
      ],
      [
        '{{ "abc" | regexExtract("\\\\d+") is null }}',
        'true',
        REGEX('RegexExtractFilter (no match is null)'),
      ],
      [
        '{{ "hello world" | regexReplace(regex="(w)orld", replacement="J$1") }}',
        'hello Jw',
        REGEX('RegexReplaceFilter ($1 inserts a group)'),
      ],
      [
        '{{ "x" | regexReplace(regex="x") }}',
        { error: "The argument 'replacement' is required." },
        REGEX('RegexReplaceFilter'),
      ],
    ],
  },
  {
    feature: 'BigDecimal and BigInteger',
    about:
      "`number('BIGDECIMAL')` and `number('BIGINTEGER')` give Java's exact types. A BigDecimal keeps its scale; " +
      "Pebble's operators widen to BigDecimal through each side's double value (`MathContext.DECIMAL128` for " +
      '`*`, `/`, `%`), and compute a BigInteger as a long with a long, as an int with another BigInteger.',
    cases: [
      [big('BIGINTEGER'), '123456789012345678901234567890', NUMBER_FILTER],
      [big('BIGINTEGER', ' | className'), 'java.math.BigInteger', NUMBER_FILTER],
      [big('BIGDECIMAL'), '123456789012345678901234567890', NUMBER_FILTER],
      ["{{ '1.50' | number('BIGDECIMAL') }}", '1.50', JAVA_BIG_DECIMAL],
      ["{{ '1e3' | number('BIGDECIMAL') }}", '1E+3', JAVA_BIG_DECIMAL],
      ["{{ '0.0000001' | number('BIGDECIMAL') }}", '1E-7', JAVA_BIG_DECIMAL],
      [
        "{{ ['1.50' | number('BIGDECIMAL')] | toJson }}",
        '[1.50]',
        'Jackson: a BigDecimal is written as its toString',
      ],
      ["{{ '1.50' | number('BIGDECIMAL') + 1 }}", '2.5', OPERATOR_UTILS],
      ["{{ '1.50' | number('BIGDECIMAL') * 2 }}", '3.00', OPERATOR_UTILS],
      ["{{ '10' | number('BIGDECIMAL') / 3 }}", '3.333333333333333333333333333333333', OPERATOR_UTILS],
      ["{{ '1' | number('BIGDECIMAL') / 4 }}", '0.25', OPERATOR_UTILS],
      ["{{ '7.5' | number('BIGDECIMAL') % 2 }}", '1.5', OPERATOR_UTILS],
      [big('BIGDECIMAL', ' + 1'), '123456789012345680000000000001.0', OPERATOR_UTILS],
      ["{{ '2' | number('BIGDECIMAL') / 0 }}", { error: 'division by zero' }, OPERATOR_UTILS],
      [big('BIGINTEGER', ' + 1'), '-4362896299872285997', OPERATOR_UTILS],
      [big('BIGINTEGER', " + ('5' | number('BIGINTEGER'))"), '1312754391', OPERATOR_UTILS],
      [big('BIGINTEGER', ' > 9223372036854775807'), 'true', OPERATOR_UTILS],
      ["{{ '1.50' | number('BIGDECIMAL') == 1.5 }}", 'true', OPERATOR_UTILS],
      ["{{ '0.1' | number('BIGDECIMAL') < 0.1 }}", 'false', OPERATOR_UTILS],
      ["{{ '1.234567890123456789' | number + 1 }}", '2.2345678901234567', OPERATOR_UTILS],
      [
        "{{ 'abc' | number('BIGDECIMAL') }}",
        { error: "number cannot read a number from 'abc'" },
        NUMBER_FILTER,
      ],
      ["{{ '1.5' | number('BIGINTEGER') }}", { error: "'1.5' is not an integer" }, NUMBER_FILTER],
    ],
  },
];
