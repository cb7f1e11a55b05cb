/** String and list filters of Pebble and Kestra: splitting, replacing, casing, URL encoding, chunks. */
import { fail } from './errors.js';
import { type FilterDef, filter, integerArg, listInput, onText } from './library.js';
import { describe, isPlainObject, toText } from './values.js';

/** Java's `String.split(regex, limit)`: a limit keeps the remainder in the last part; trailing empties go. */
function split(text: string, [delimiter, limitArg]: unknown[]): string[] {
  if (typeof delimiter !== 'string') return fail('split needs a delimiter string');
  const limit = integerArg(limitArg, 'split', 0);
  const parts = text.split(delimiter);
  if (limit > 0 && parts.length > limit)
    return [...parts.slice(0, limit - 1), parts.slice(limit - 1).join(delimiter)];
  if (limit === 0) while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

function replace(text: string, [what, by, regexp]: unknown[]): string {
  if (typeof what === 'string' && by !== undefined) {
    if (regexp === true) return text.replace(new RegExp(what, 'g'), toText(by));
    return text.replaceAll(what, () => toText(by));
  }
  if (!isPlainObject(what)) return fail("replace needs a map of replacements, e.g. replace({'-': '_'})");
  let out = text;
  for (const [from, to] of Object.entries(what)) {
    out =
      regexp === true
        ? out.replace(new RegExp(from, 'g'), toText(to))
        : out.replaceAll(from, () => toText(to));
  }
  return out;
}

function abbreviate(text: string, [max]: unknown[]): string {
  const length = integerArg(max, 'abbreviate', 0);
  if (length < 0) return fail('abbreviate needs a positive length');
  if (text.length <= length) return text;
  return length <= 3 ? text.slice(0, length) : `${text.slice(0, length - 3)}...`;
}

function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

const stringArg = (value: unknown, what: string): string =>
  typeof value === 'string' ? value : fail(`${what} needs a string argument, got ${describe(value)}`);

function chunk(input: unknown, [size]: unknown[]): unknown[][] {
  const list = listInput(input, 'chunk');
  const n = integerArg(size, 'chunk', 0);
  if (n <= 0) return fail('chunk needs a positive size');
  const out: unknown[][] = [];
  for (let i = 0; i < list.length; i += n) out.push(list.slice(i, i + n));
  return out;
}

/** String filters, by name. */
export const STRING_FILTERS: [string, FilterDef][] = [
  ['capitalize', onText([], (s) => s.charAt(0).toUpperCase() + s.slice(1))],
  [
    'title',
    onText([], (s) => s.replace(/(^|\s)(\S)/g, (_m, space: string, c: string) => space + c.toUpperCase())),
  ],
  ['split', onText(['delimiter', 'limit'], split)],
  ['replace', onText(['replace_pairs', 'replacement', 'regexp'], replace)],
  ['abbreviate', onText(['length'], abbreviate)],
  ['slugify', onText([], slugify)],
  [
    'urlencode',
    onText([], (s) =>
      encodeURIComponent(s)
        .replace(/%20/g, '+')
        .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    ),
  ],
  ['urldecode', onText([], (s) => decodeURIComponent(s.replace(/\+/g, ' ')))],
  ['startsWith', onText(['prefix'], (s, [p]) => s.startsWith(stringArg(p, 'startsWith')))],
  ['endsWith', onText(['suffix'], (s, [p]) => s.endsWith(stringArg(p, 'endsWith')))],
  [
    'substringBefore',
    onText(['separator'], (s, [sep]) => {
      const i = s.indexOf(stringArg(sep, 'substringBefore'));
      return i < 0 ? s : s.slice(0, i);
    }),
  ],
  [
    'substringBeforeLast',
    onText(['separator'], (s, [sep]) => {
      const i = s.lastIndexOf(stringArg(sep, 'substringBeforeLast'));
      return i < 0 ? s : s.slice(0, i);
    }),
  ],
  [
    'substringAfter',
    onText(['separator'], (s, [sep]) => {
      const t = stringArg(sep, 'substringAfter');
      const i = s.indexOf(t);
      return i < 0 ? '' : s.slice(i + t.length);
    }),
  ],
  [
    'substringAfterLast',
    onText(['separator'], (s, [sep]) => {
      const t = stringArg(sep, 'substringAfterLast');
      const i = s.lastIndexOf(t);
      return i < 0 || i + t.length === s.length ? '' : s.slice(i + t.length);
    }),
  ],
  ['chunk', filter(['size'], chunk)],
  [
    'flatten',
    filter([], (input) => listInput(input, 'flatten').flatMap((x) => (Array.isArray(x) ? x : [x]))),
  ],
];
