/** Pebble's lexer as Kestra configures it: `{{ }}`, `{% %}`, `{# #}`, `-` trimming, no newline trimming. */
import { EvalFailure } from './errors.js';

export type TokenType =
  | 'text'
  | 'print' // `{{`
  | 'execute' // `{%`
  | 'end' // `}}` or `%}`
  | 'name'
  | 'number'
  | 'string'
  | 'interpolationStart' // `#{` inside a double-quoted string
  | 'interpolationEnd'
  | 'operator'
  | 'punctuation'
  | 'eof';

export interface Token {
  type: TokenType;
  value: string;
  /** Offset in the template, for messages. */
  at: number;
}

/** Thrown for a template that cannot be read; the compiler names the template. */
export class SyntaxFailure extends EvalFailure {
  override name = 'SyntaxFailure';
}

/** Characters of one tag: far above real expressions, small enough that compiling stays shallow and fast. */
export const MAX_TAG_LENGTH = 8192;

/** Longest first, so that `???` wins over `??` and `>=` over `>`. */
const SYMBOL_OPERATORS = [
  '???',
  '??',
  '==',
  '!=',
  '>=',
  '<=',
  '..',
  '>',
  '<',
  '+',
  '-',
  '*',
  '/',
  '%',
  '|',
  '~',
];
const WORD_OPERATOR =
  /^(?:is\s+not|not\s+in|isNotIn|isIn|and|or|not|is|contains|equals|in)(?![\p{L}\p{N}_])/u;
const NAME = /^[\p{L}_][\p{L}\p{N}_]*/u;
const NUMBER = /^[0-9]+(?:\.[0-9]+)?L?/;
const PUNCTUATION = '()[]{}?:.,|=';
const CLOSERS: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };
const VERBATIM_START = /^\{%-?\s*(verbatim|raw)\s*(-?)%\}/;
/** A `raw` tag: Kestra takes it out before Pebble, trim marks included. */
const RAW_START = /^\{%-?\s*raw\s*-?%\}/;
const START = /\{\{|\{%|\{#/g;

/**
 * Splits a template into tokens. Text keeps its newlines (Kestra sets `newLineTrimming(false)`);
 * `{{-`, `{%-`, `{#-` trim the whitespace before them and `-}}`, `-%}`, `-#}` the whitespace after.
 */
export function tokenize(source: string): Token[] {
  return new Lexer(source).run();
}

class Lexer {
  private at = 0;
  private readonly tokens: Token[] = [];
  private trimNext = false;

  constructor(private readonly source: string) {}

  run(): Token[] {
    while (this.at < this.source.length) this.data();
    this.push('eof', '');
    return this.tokens;
  }

  private push(type: TokenType, value: string, at = this.at): void {
    this.tokens.push({ type, value, at });
  }

  private text(value: string, at: number): void {
    let text = value;
    if (this.trimNext) {
      text = text.replace(/^\s+/, '');
      this.trimNext = false;
    }
    if (text) this.push('text', text, at);
  }

  /** Text up to the next tag, then the tag. */
  private data(): void {
    START.lastIndex = this.at;
    const match = START.exec(this.source);
    const start = match ? match.index : this.source.length;
    let before = this.source.slice(this.at, start);
    const marked = match !== null && this.source.charAt(start + 2) === '-';
    if (marked && !RAW_START.test(this.source.slice(start, start + 40))) before = before.replace(/\s+$/, '');
    this.text(before, this.at);
    if (!match) {
      this.at = this.source.length;
      return;
    }
    this.at = start + (marked ? 3 : 2);
    if (match[0] === '{#') this.comment(start);
    else if (match[0] === '{{') this.tag('print', '}}', start);
    else if (!this.verbatim(start)) this.tag('execute', '%}', start);
  }

  private comment(start: number): void {
    const end = this.source.indexOf('#}', this.at);
    if (end < 0) throw new SyntaxFailure(`unclosed comment opened at position ${start}`);
    this.trimNext = this.source.charAt(end - 1) === '-' && end - 1 >= this.at;
    this.at = end + 2;
  }

  /** `{% verbatim %}…{% endverbatim %}` (and `raw`): the content is text, as written. */
  private verbatim(start: number): boolean {
    const open = VERBATIM_START.exec(this.source.slice(start));
    if (!open) return false;
    const name = open[1];
    const close = new RegExp(`\\{%(-?)\\s*end${name}\\s*(-?)%\\}`, 'g');
    close.lastIndex = start + open[0].length;
    const end = close.exec(this.source);
    if (!end)
      throw new SyntaxFailure(`'{% end${name} %}' is missing for the tag opened at position ${start}`);
    // Kestra sets `raw` blocks aside before Pebble sees the template, so their `-` marks trim nothing.
    const trims = name === 'verbatim';
    this.trimNext = trims && open[2] === '-';
    let content = this.source.slice(start + open[0].length, end.index);
    if (trims && end[1] === '-') content = content.replace(/\s+$/, '');
    this.text(content, start);
    this.trimNext = trims && end[2] === '-';
    this.at = end.index + end[0].length;
    return true;
  }

  /** The tokens between `{{`/`{%` and their closing delimiter. */
  private tag(type: 'print' | 'execute', close: string, start: number): void {
    this.push(type, type === 'print' ? '{{' : '{%', start);
    if (this.source.indexOf(close, this.at) < 0)
      throw new SyntaxFailure(`'${close}' is missing for the tag opened at position ${start}`);
    const brackets: string[] = [];
    for (;;) {
      this.skipSpace();
      if (this.at >= this.source.length)
        throw new SyntaxFailure(`'${close}' is missing for the tag opened at position ${start}`);
      if (this.at - start > MAX_TAG_LENGTH)
        throw new SyntaxFailure(
          `the tag opened at position ${start} is longer than ${MAX_TAG_LENGTH.toLocaleString('en')} characters; keep long data in a variable or an input`,
        );
      if (brackets.length === 0) {
        if (this.source.startsWith(`-${close}`, this.at)) {
          this.trimNext = true;
          this.push('end', close);
          this.at += 3;
          return;
        }
        if (this.source.startsWith(close, this.at)) {
          this.push('end', close);
          this.at += 2;
          return;
        }
      }
      this.expressionToken(brackets);
    }
  }

  private skipSpace(): void {
    while (this.at < this.source.length && /\s/.test(this.source.charAt(this.at))) this.at++;
  }

  /** One token of an expression; `brackets` tracks the open ones so that `}}` inside a map is not the end. */
  private expressionToken(brackets: string[]): void {
    const rest = this.source.slice(this.at, this.at + 64);
    const word = WORD_OPERATOR.exec(rest);
    if (word) {
      this.take('operator', word[0].replace(/\s+/g, ' '), word[0].length);
      return;
    }
    const symbol = SYMBOL_OPERATORS.find((op) => rest.startsWith(op));
    if (symbol) {
      this.take('operator', symbol, symbol.length);
      return;
    }
    const name = NAME.exec(this.source.slice(this.at, this.at + 256));
    if (name) {
      this.take('name', name[0], name[0].length);
      return;
    }
    const number = NUMBER.exec(rest);
    if (number) {
      this.take('number', number[0].replace(/L$/, ''), number[0].length);
      return;
    }
    const ch = this.source.charAt(this.at);
    if (PUNCTUATION.includes(ch)) {
      if (CLOSERS[ch]) brackets.push(CLOSERS[ch]);
      else if (')]}'.includes(ch) && brackets.pop() !== ch) throw new SyntaxFailure(`unexpected '${ch}'`);
      this.take('punctuation', ch, 1);
      return;
    }
    if (ch === "'" || ch === '"') {
      this.string(ch);
      return;
    }
    throw new SyntaxFailure(`unexpected character '${ch}'`);
  }

  private take(type: TokenType, value: string, length: number): void {
    this.push(type, value);
    this.at += length;
  }

  /**
   * A string literal. As in Pebble, only `\\` and the escaped quote are unescaped (`\n` stays two
   * characters), and a double-quoted string may hold `#{ expression }` parts.
   */
  private string(quote: string): void {
    const start = this.at;
    this.at++;
    let part = '';
    let partAt = this.at;
    let parts = 0;
    const flush = (force: boolean) => {
      if (part || force) this.push('string', part, partAt);
      part = '';
      parts++;
    };
    for (;;) {
      if (this.at >= this.source.length)
        throw new SyntaxFailure(`unclosed string opened at position ${start}`);
      const ch = this.source.charAt(this.at);
      if (ch === '\\') {
        const next = this.source.charAt(this.at + 1);
        part += next === quote || next === '\\' ? next : `\\${next}`;
        this.at += 2;
      } else if (ch === quote) {
        this.at++;
        flush(parts === 0);
        return;
      } else if (quote === '"' && ch === '#' && this.source.charAt(this.at + 1) === '{') {
        flush(false);
        this.push('interpolationStart', '#{');
        this.at += 2;
        this.interpolation(start);
        partAt = this.at;
      } else {
        part += ch;
        this.at++;
      }
    }
  }

  private interpolation(start: number): void {
    const brackets: string[] = [];
    for (;;) {
      this.skipSpace();
      if (this.at >= this.source.length)
        throw new SyntaxFailure(`unclosed interpolation in the string opened at position ${start}`);
      if (brackets.length === 0 && this.source.charAt(this.at) === '}') {
        this.take('interpolationEnd', '}', 1);
        return;
      }
      this.expressionToken(brackets);
    }
  }
}
