/** Java regular expressions for JavaScript: the common syntax translated, Java's replacement strings and `String.split`. */

const POSIX: Readonly<Record<string, string>> = {
  Lower: 'a-z',
  Upper: 'A-Z',
  ASCII: '\\x00-\\x7F',
  Alpha: 'a-zA-Z',
  Digit: '0-9',
  Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~',
  Graph: '!-~',
  Print: ' -~',
  Blank: ' \\t',
  Cntrl: '\\x00-\\x1F\\x7F',
  XDigit: '0-9a-fA-F',
  Space: ' \\t\\n\\x0B\\f\\r',
};

const cache = new Map<string, RegExp>();

/**
 * Compiles a Java regex as a global JavaScript RegExp: leading inline flags `(?i)`, `(?s)`, `(?m)`,
 * `\A`, `\z`, `\Z`, POSIX classes `\p{Alpha}` …, and Unicode properties. Possessive quantifiers and atomic
 * groups have no JavaScript equivalent and are refused.
 */
export function javaRegex(pattern: string, where: string): RegExp {
  const cached = cache.get(pattern);
  if (cached) return new RegExp(cached);
  let source = pattern;
  let flags = 'g';
  const inline = /^\(\?([imsx]+)\)/.exec(source);
  if (inline) {
    if (inline[1]!.includes('x')) throw new Error(`${where}: the (?x) flag is not supported in '${pattern}'`);
    flags += inline[1];
    source = source.slice(inline[0].length);
  }
  if (/(?<!\\)(?:\\\\)*(?:(?:[*+?]|\{\d+(?:,\d*)?\})\+|\(\?>)/.test(source))
    throw new Error(`${where}: possessive quantifiers and atomic groups are not supported in '${pattern}'`);
  source = source.replace(/\\(\\|A|z|Z|[pP]\{(\w+)\})/g, (whole, token: string, name?: string) => {
    if (token === '\\') return whole;
    if (token === 'A') return '^';
    if (token === 'z') return '$(?![\\s\\S])';
    if (token === 'Z') return '(?=\\n?$(?![\\s\\S]))';
    const posix = name === undefined ? undefined : POSIX[name];
    if (posix !== undefined) return whole[1] === 'p' ? `[${posix}]` : `[^${posix}]`;
    if (!flags.includes('u')) flags += 'u';
    return whole.replace(/\{(?:Is)?/, '{');
  });
  let regex: RegExp;
  try {
    regex = new RegExp(source, flags);
  } catch (error) {
    throw new Error(`${where}: invalid regular expression '${pattern}': ${(error as Error).message}`);
  }
  if (cache.size > 200) cache.clear();
  cache.set(pattern, regex);
  return new RegExp(regex);
}

/** Java's `String.replaceAll`: `$1` and `${name}` insert groups, `\` escapes the next character. */
export function replaceAll(text: string, pattern: string, replacement: string, where: string): string {
  const regex = javaRegex(pattern, where);
  return text.replace(regex, (...args: unknown[]) => {
    const hasNames = typeof args[args.length - 1] === 'object';
    const groups = (hasNames ? args[args.length - 1] : undefined) as Record<string, string> | undefined;
    const captures = args.slice(0, hasNames ? -3 : -2) as Array<string | undefined>;
    return expandReplacement(replacement, captures, groups, where);
  });
}

function expandReplacement(
  replacement: string,
  captures: Array<string | undefined>,
  groups: Record<string, string> | undefined,
  where: string,
): string {
  let out = '';
  for (let i = 0; i < replacement.length; i++) {
    const ch = replacement.charAt(i);
    if (ch === '\\') {
      i++;
      if (i >= replacement.length)
        throw new Error(`${where}: character to be escaped is missing in the replacement`);
      out += replacement.charAt(i);
    } else if (ch === '$') {
      const named = /^\{([A-Za-z][A-Za-z0-9]*)\}/.exec(replacement.slice(i + 1));
      if (named) {
        if (!groups || !(named[1]! in groups)) throw new Error(`${where}: no group with name {${named[1]}}`);
        out += groups[named[1]!] ?? '';
        i += named[0].length;
        continue;
      }
      // Java reads the longest group number that exists, starting with one digit.
      let digits = /^\d/.exec(replacement.slice(i + 1))?.[0];
      if (digits === undefined)
        throw new Error(`${where}: illegal group reference in the replacement '${replacement}'`);
      let at = i + 2;
      while (/\d/.test(replacement.charAt(at)) && Number(digits + replacement.charAt(at)) < captures.length) {
        digits += replacement.charAt(at);
        at++;
      }
      if (Number(digits) >= captures.length) throw new Error(`${where}: no group ${digits} in the pattern`);
      out += captures[Number(digits)] ?? '';
      i = at - 1;
    } else out += ch;
  }
  return out;
}

/**
 * Java's `String.split(regex, limit)`: a positive limit caps the parts, zero drops trailing empty
 * strings, a negative limit keeps them; a zero-width match at the start gives no leading empty string.
 */
export function splitJava(text: string, pattern: string, limit: number, where: string): string[] {
  if (text === '') return [''];
  const regex = javaRegex(pattern, where);
  const parts: string[] = [];
  let start = 0;
  for (const match of text.matchAll(regex)) {
    if (limit > 0 && parts.length === limit - 1) break;
    const at = match.index;
    if (match[0] === '' && at === 0) continue;
    if (match[0] === '' && at >= text.length) break;
    parts.push(text.slice(start, at));
    start = at + match[0].length;
  }
  parts.push(text.slice(start));
  if (limit === 0) while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (limit === 0 && parts.length === 1 && parts[0] === '') return text === '' ? [''] : [];
  return parts;
}
