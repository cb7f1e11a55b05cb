/** Kestra's regex filters, over Java regexes (lib/java-regex.ts): `regexMatch`, `regexExtract`, `regexReplace`. */
import { fail } from './errors.js';
import { javaRegex, replaceAll } from './lib/java-regex.js';
import { type FilterDef, filter, integerArg } from './library.js';
import { toText } from './values.js';

/** Kestra's message when an argument is missing or null. */
function required(value: unknown, name: string): string {
  if (value === null || value === undefined) return fail(`The argument '${name}' is required.`);
  return toText(value);
}

/** `regexExtract`: the first match (or its `group`), null when nothing matches. */
function regexExtract(input: unknown, [regex, group]: unknown[]): string | null {
  if (input === null || input === undefined) return null;
  const pattern = required(regex, 'regex');
  const index = integerArg(group, 'regexExtract', 0);
  const match = javaRegex(pattern, 'regexExtract').exec(toText(input));
  if (!match) return null;
  if (index < 0 || index >= match.length) return fail(`regexExtract: no group ${index} in '${pattern}'`);
  return match[index] ?? null;
}

/** The regex filters, by name. */
export const REGEX_FILTERS: [string, FilterDef][] = [
  [
    'regexMatch',
    filter(['regex'], (input, [regex]) =>
      input === null || input === undefined
        ? false
        : javaRegex(required(regex, 'regex'), 'regexMatch').test(toText(input)),
    ),
  ],
  ['regexExtract', filter(['regex', 'group'], regexExtract)],
  [
    'regexReplace',
    filter(['regex', 'replacement'], (input, [regex, replacement]) => {
      if (input === null || input === undefined) return null;
      const pattern = required(regex, 'regex');
      return replaceAll(toText(input), pattern, required(replacement, 'replacement'), 'regexReplace');
    }),
  ],
];
