/** Kestra's and Pebble's text and collection filters, wired to the Java-exact library in lib/. */
import { chunk, flatten, merge, rsort } from './lib/collections.js';
import { base64decode, base64encode, md5, sha1, sha256, sha512 } from './lib/hashing.js';
import { toIon } from './lib/ion.js';
import { className } from './lib/java-values.js';
import { jq } from './lib/jq.js';
import { formatNumber } from './lib/number-format.js';
import * as text from './lib/strings.js';
import { toYaml } from './lib/yaml.js';
import { type FilterDef, filter } from './library.js';
import { JavaBigDecimal, JavaBigInteger, JavaDouble, plain } from './numbers.js';

/** A library function over the input and the arguments, handed plain JS values (no number marks). */
const lib = (params: readonly string[], run: (input: unknown, ...args: unknown[]) => unknown): FilterDef =>
  filter(params, (input, args) => run(plain(input), ...args.map(plain)));

const optional = (value: unknown): boolean => value === true;

/** `className` of an engine value: the number filter's classes, else what the plain value would be in Kestra. */
function javaClassOf(input: unknown): string | null {
  if (input instanceof JavaDouble) return input.javaClass;
  if (input instanceof JavaBigDecimal) return 'java.math.BigDecimal';
  if (input instanceof JavaBigInteger) return 'java.math.BigInteger';
  return className(plain(input));
}

/** Filters from lib/, by name. */
export const LIBRARY_FILTERS: [string, FilterDef][] = [
  ['capitalize', lib([], text.capitalize)],
  ['title', lib([], text.title)],
  ['abbreviate', lib(['length'], text.abbreviate)],
  ['slugify', lib([], text.slugify)],
  ['urlencode', lib([], text.urlencode)],
  ['urldecode', lib([], text.urldecode)],
  ['escapeChar', lib(['type'], text.escapeChar)],
  ['indent', lib(['amount', 'prefix'], text.indent)],
  ['nindent', lib(['amount', 'prefix'], text.nindent)],
  ['substringBefore', lib(['separator'], text.substringBefore)],
  ['substringBeforeLast', lib(['separator'], text.substringBeforeLast)],
  ['substringAfter', lib(['separator'], text.substringAfter)],
  ['substringAfterLast', lib(['separator'], text.substringAfterLast)],
  ['startsWith', lib(['prefix'], text.startsWith)],
  ['endsWith', lib(['suffix'], text.endsWith)],
  [
    'replace',
    lib(['replace_pairs', 'regexp'], (input, pairs, regexp) => text.replace(input, pairs, optional(regexp))),
  ],
  ['split', lib(['delimiter', 'limit'], text.split)],
  ['chunk', lib(['size'], chunk)],
  ['flatten', lib([], flatten)],
  ['merge', lib(['items'], merge)],
  ['rsort', lib([], rsort)],
  [
    'className',
    // A decimal keeps the class it was read as (`'12.3' | number` is a Float); the rest by their JS shape.
    filter([], (input) => javaClassOf(input)),
  ],
  ['md5', lib([], md5)],
  ['sha1', lib([], sha1)],
  ['sha256', lib([], sha256)],
  ['sha512', lib([], sha512)],
  ['base64encode', lib([], base64encode)],
  ['base64decode', lib([], base64decode)],
  ['jq', lib(['expression'], (input, program) => jq(input, String(program)))],
  ['numberFormat', lib(['format'], (input, format) => formatNumber(input, format as string | undefined))],
  ['numberformat', lib(['format'], (input, format) => formatNumber(input, format as string | undefined))],
  ['toIon', lib([], toIon)],
  ['yaml', lib([], toYaml)],
  ['toYaml', lib([], toYaml)],
];
