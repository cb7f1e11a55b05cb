/**
 * The compatibility table: Kestra expressions, the context they run in, what Kestra renders and
 * where that comes from. compat.test.ts checks every case; docs/expressions.md is generated
 * from the same table (`npm run docs:expressions`).
 */
import { FILTER_CASES } from './filter-cases.js';
import { FUNCTION_CASES } from './function-cases.js';
import { GRAMMAR_CASES } from './grammar-cases.js';
import { KESTRA_DATE_CASES } from './kestra-date-cases.js';
import { KESTRA_TEST_CASES } from './kestra-test-cases.js';
import { LIBRARY_CASES } from './library-cases.js';
import { PEBBLE_TEST_CASES } from './pebble-test-cases.js';
import { TAG_CASES } from './tag-cases.js';

/** What a case renders to: its text, or an error whose message contains `error`. */
export type Expected = string | { error: string };

/**
 * One case: `[template, expected, source]`, and a note when Tern differs from Kestra on purpose
 * (the expected value is then Tern's, and the note says what Kestra does and why).
 */
export type Case = readonly [template: string, expected: Expected, source: string, difference?: string];

/** A feature and its cases. */
export interface Section {
  feature: string;
  /** One line on the feature, for the document. */
  about: string;
  cases: readonly Case[];
}

/** The variables every case renders against. */
export const CONTEXT: Readonly<Record<string, unknown>> = Object.freeze({
  user: { name: 'Ada', age: 36, tags: ['admin', 'ops'] },
  items: [3, 1, 2],
  map: { a: 1, b: 2 },
  fruits: ['apple', 'banana', 'cherry'],
  nested: [[1, 2], [3]],
  empty: '',
  blank: '   ',
  nothing: null,
  num: 5,
  price: 1.5,
  text: 'Hello World',
  json: '{"a": [1, 2]}',
  kestraNow: '2013-09-08T15:19:12.123456Z',
  tasks: { hello: { state: 'SUCCESS' } },
});

/** Every section, in the document's order. */
export const SECTIONS: readonly Section[] = [
  ...GRAMMAR_CASES,
  ...TAG_CASES,
  ...FILTER_CASES,
  ...LIBRARY_CASES,
  ...FUNCTION_CASES,
  ...KESTRA_TEST_CASES,
  ...KESTRA_DATE_CASES,
  ...PEBBLE_TEST_CASES,
];

const cell = (text: string): string =>
  `\`${text.replace(/\n/g, '⏎').replace(/\r/g, '␍').replace(/\t/g, '⇥')}\``
    .replace(/\|/g, '\\|')
    .replace(/^``$/, '(empty)');

function expectedCell(expected: Expected): string {
  if (typeof expected === 'string') return expected === '' ? '(empty)' : cell(expected);
  return `error: ${expected.error.replace(/\|/g, '\\|')}`;
}

/** docs/expressions.md from the table. */
export function expressionsMarkdown(sections: readonly Section[] = SECTIONS): string {
  const lines = [
    '# Expressions: compatibility with Kestra',
    '',
    '<!-- Generated from runtime/expr/compat/ by `npm run docs:expressions`; edit the table there. -->',
    '',
    "Tern renders Kestra's expression language, Pebble as Kestra configures it (strict variables,",
    'the newline after a tag kept, lists and maps printed as JSON, Java numbers). Each row below is',
    'a test: Tern renders the expression and must give the result shown, which comes from the source',
    "named (Pebble's or Kestra's documentation or tests). ⏎ stands for a newline, ␍ for a carriage",
    'return, ⇥ for a tab.',
    '',
    'The variables the examples use:',
    '',
    '```json',
    JSON.stringify(CONTEXT, null, 2),
    '```',
    '',
  ];
  const differences: string[] = [];
  for (const section of sections) {
    lines.push(
      `## ${section.feature}`,
      '',
      section.about,
      '',
      '| Expression | Result | Source |',
      '| --- | --- | --- |',
    );
    for (const [template, expected, source, difference] of section.cases) {
      lines.push(
        `| ${cell(template)} | ${expectedCell(expected)} | ${source}${difference ? ' (differs, see below)' : ''} |`,
      );
      if (difference) differences.push(`- ${cell(template)}: ${difference}`);
    }
    lines.push('');
  }
  lines.push('## Where Tern differs on purpose', '');
  lines.push(...(differences.length ? differences : ['Nowhere.']), '');
  const total = sections.reduce((n, s) => n + s.cases.length, 0);
  lines.push(`${total} cases.`, '');
  return lines.join('\n');
}
