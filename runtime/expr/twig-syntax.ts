/** Adapts twig.js's template and expression syntax to Pebble's: tags, tokenizer, literals, `contains`, named arguments. */
import type { ExpressionDefinition, TokenDefinition, TwigInternals } from './twig-types.js';
import { NamedArg } from './twig-values.js';

/** Token type of a `name=` named argument. */
export const NAMED_ARG = 'Twig.expression.type.namedArg';
/** Logic type of `{% set %}`, the one tag that writes into the context. */
export const SET_TAG = 'Twig.logic.type.set';
/** Characters between a tag's `{{`/`{%` and its end: far above real expressions, small enough to compile fast. */
export const MAX_TAG_LENGTH = 8192;

const KEPT_TAGS = new Set(
  ['if', 'elseif', 'else', 'endif', 'for', 'endfor', 'set'].map((n) => `Twig.logic.type.${n}`),
);

/** Pebble's control flow only: include/extends/import/embed/macro would read files. */
function adaptTags(T: TwigInternals): void {
  for (const type of Object.keys(T.logic.handler)) if (!KEPT_TAGS.has(type)) delete T.logic.handler[type];
  const setTag = T.logic.handler[SET_TAG]!;
  const baseCompile = setTag.compile!;
  setTag.compile = function (token) {
    const compiled = baseCompile.call(this, token);
    const key = String(compiled.key);
    if (!/^[A-Za-z_]\w*$/.test(key) || key.startsWith('__')) throw new T.Error(`cannot set '${key}'`);
    return compiled;
  };
}

/**
 * Where each tag's opening and closing text next occurs in the template being split. twig searches
 * for every kind of tag from the current position to the end, once per tag it finds: quadratic,
 * 35 s for 160 KB of `{{ a }}`. The answers are the same when each search resumes where the
 * previous one for the same text stopped, since the rest of the template only shrinks.
 */
class NextOccurrences {
  private readonly found = new Map<string, number>();

  constructor(private readonly template: string) {}

  /** The position of `needle` in `rest`, a suffix of the template, or -1. */
  in(rest: string, needle: string): number {
    const offset = this.template.length - rest.length;
    let at = this.found.get(needle);
    if (at === undefined || (at !== -1 && at < offset)) {
      at = this.template.indexOf(needle, offset);
      this.found.set(needle, at);
    }
    return at === -1 ? -1 : at - offset;
  }
}

/**
 * The token list twig's compiler consumes: it takes tokens one by one with `shift()`, which V8
 * makes a copy of the rest for a long list (quadratic again). The same operations, in constant time.
 */
class TokenQueue {
  private head = 0;

  constructor(private readonly items: unknown[]) {
    Object.defineProperty(this, 0, { get: () => this.items[this.head] });
  }

  get length(): number {
    return this.items.length - this.head;
  }

  shift(): unknown {
    return this.head < this.items.length ? this.items[this.head++] : undefined;
  }

  /** twig puts back only the token it has just taken. */
  unshift(item: unknown): number {
    if (this.head > 0) this.items[--this.head] = item;
    else this.items.unshift(item);
    return this.length;
  }
}

/** twig's choice of the tag that starts first (the more specific one on a tie), with remembered searches. */
function findStart(
  definitions: readonly TokenDefinition[],
  rest: string,
  next: NextOccurrences,
): { position: number | null; def: TokenDefinition | null } {
  let position: number | null = null;
  let def: TokenDefinition | null = null;
  let closeAt = -1;
  for (const candidate of definitions) {
    const open = next.in(rest, candidate.open);
    if (open < 0) continue;
    const close = next.in(rest, candidate.close);
    // A tag whose two ends differ in length counts only when its closing text is there at all.
    if (candidate.open.length !== candidate.close.length && close < 0) continue;
    const earlier = position === null || open < position;
    const moreSpecific =
      open === position &&
      def !== null &&
      (candidate.open.length > def.open.length ||
        (candidate.open.length === def.open.length && close >= 0 && close < closeAt));
    if (earlier || moreSpecific) [position, def, closeAt] = [open, candidate, close];
  }
  return { position, def };
}

/**
 * Splits templates in linear time (see {@link NextOccurrences}), and finds the end of
 * `{{ {'a': {'b': 1}} }}` counting braces and skipping quotes, not at the first `}}`.
 */
function adaptTokenizer(T: TwigInternals): void {
  let next: NextOccurrences | undefined;
  const baseTokenize = T.tokenize;
  T.tokenize = function (template) {
    const outer = next;
    next = new NextOccurrences(template);
    try {
      return baseTokenize.call(this, template);
    } finally {
      next = outer;
    }
  };
  const baseFindStart = T.token.findStart;
  T.token.findStart = (rest) =>
    next ? findStart(T.token.definitions, rest, next) : baseFindStart.call(T.token, rest);
  const baseCompile = T.compile;
  T.compile = function (tokens) {
    return baseCompile.call(this, new TokenQueue(tokens) as unknown as unknown[]);
  };

  const braced = new Set(
    ['output', 'outputWhitespacePre', 'outputWhitespacePost', 'outputWhitespaceBoth', 'logic'].map(
      (k) => T.token.type[k],
    ),
  );
  // Comments and raw blocks are text; every other tag is compiled, in time that grows with the square of its length.
  const text = new Set([T.token.type.comment, T.token.type.raw]);
  const tooLong = (start: number) =>
    new T.Error(
      `the tag opened at position ${start} is longer than ${MAX_TAG_LENGTH.toLocaleString('en')} characters; keep long data in a variable or an input`,
    );
  const baseFindEnd = T.token.findEnd;
  T.token.findEnd = function (template, def, start) {
    if (!braced.has(def.type)) {
      const end = baseFindEnd.call(this, template, def, start);
      if (end > MAX_TAG_LENGTH && !text.has(def.type)) throw tooLong(start - def.open.length);
      return end;
    }
    let depth = 0;
    let quote = '';
    for (let i = 0; i < template.length; i++) {
      if (i > MAX_TAG_LENGTH) throw tooLong(start - def.open.length);
      const ch = template.charAt(i);
      if (quote) {
        if (ch === '\\') i++;
        else if (ch === quote) quote = '';
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (depth === 0 && template.startsWith(def.close, i)) return i;
      else if (ch === '{') depth++;
      else if (ch === '}' && depth > 0) depth--;
    }
    throw new T.Error(`'${def.close}' is missing for the tag opened at position ${start}`);
  };
}

const ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  r: '\r',
  t: '\t',
  '\\': '\\',
  "'": "'",
  '"': '"',
};

/** Expression-level syntax: what twig lacks, what it has beyond Pebble, and what it parses loosely. */
function adaptExpressions(T: TwigInternals): void {
  const TYPE = T.expression.type;
  const H = T.expression.handler;

  // `_context` would expose the whole context; `[a:b]` slices read it directly.
  delete H[TYPE.context];
  delete H[TYPE.slice];

  // Pebble's `contains` operator, with the precedence of the other comparisons.
  const binary = H[TYPE.operator.binary]!;
  binary.regex = new RegExp(`(?:${(binary.regex as RegExp).source})|^contains(?=[\\s(\\['"{])`);
  const baseLookup = T.expression.operator.lookup;
  T.expression.operator.lookup = (operator, token) => {
    if (operator !== 'contains') return baseLookup(operator, token);
    token.precidence = 8;
    token.associativity = T.expression.operator.leftToRight;
    token.operator = operator;
    return token;
  };

  // Pebble allows any spacing after `|`, and `not(…)` without a space.
  H[TYPE.filter]!.regex = /^\|\s*([a-zA-Z_][a-zA-Z0-9_-]*)/;
  H[TYPE.operator.unary]!.regex = /^not(?=[\s(])/;

  // twig unescapes only the first escaped quote of a string literal; unescape them all.
  H[TYPE.string]!.compile = (token, _stack, output) => {
    const raw = String(token.value);
    token.value = raw
      .slice(1, -1)
      .replace(/\\(.)/gs, (sequence: string, ch: string) => ESCAPES[ch] ?? sequence);
    delete token.match;
    output.push(token);
  };

  // twig accepts an empty expression and a dangling operator (`{{ 1 + }}` renders 1); Pebble does not.
  const dangling = new Set([TYPE.operator.binary, TYPE.operator.unary, TYPE.comma]);
  const baseTokenize = T.expression.tokenize;
  T.expression.tokenize = function (raw) {
    const tokens = baseTokenize.call(this, raw);
    const last = tokens[tokens.length - 1];
    if (!last) throw new T.Error('empty expression');
    if (dangling.has(last.type))
      throw new T.Error(`'${String(last.value).trim()}' at the end has nothing after it`);
    return tokens;
  };
}

/** Named arguments (`date('yyyy', timeZone='UTC')`): a marker the call handlers pair with the value after it. */
function adaptNamedArguments(T: TwigInternals): void {
  const TYPE = T.expression.type;
  const H = T.expression.handler;
  T.expression.extendType('namedArg');
  const namedArg: ExpressionDefinition = {
    type: NAMED_ARG,
    regex: /^([a-zA-Z_]\w*)\s*=(?!=)/,
    next: T.expression.set.expressions,
    compile(token, _stack, output) {
      token.key = token.match?.[1];
      delete token.match;
      output.push(token);
    },
    parse(token, stack) {
      stack.push(new NamedArg(String(token.key)));
    },
  };
  H[TYPE.parameter.start]!.next.push(NAMED_ARG);
  H[TYPE.comma]!.next.push(NAMED_ARG);
  // Handlers are tried in insertion order; this pattern must win over variables and functions.
  const ordered = Object.entries(H);
  for (const [type] of ordered) delete H[type];
  for (const [type, def] of ordered) {
    if (type === TYPE._function) H[NAMED_ARG] = namedArg;
    H[type] = def;
  }
}

/** Applies every syntax adaptation to a fresh twig instance. */
export function adaptSyntax(T: TwigInternals): void {
  adaptTags(T);
  adaptTokenizer(T);
  adaptExpressions(T);
  adaptNamedArguments(T);
}
