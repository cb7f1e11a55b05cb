/** Kestra's `toIon` filter and `fromIon` function: compact Amazon Ion text out, Ion text values in. */
import { javaDoubleString } from './java-values.js';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const TIMESTAMP =
  /^(?:\d{4}-\d{2}(?:-\d{2})?(?:T(?:\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?)?|\d{4}T)/;
const RESERVED_SYMBOLS = new Set(['null', 'true', 'false', 'nan']);

/** Pebble: `value | toIon` — compact Ion text, `null` for null. */
export function toIon(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return ionString(value);
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'number') return ionNumber(value);
  if (Array.isArray(value)) return `[${value.map(toIon).join(',')}]`;
  if (value instanceof Date) return `ZonedDateTime::${ionString(value.toISOString())}`;
  if (typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${ionSymbol(k)}:${toIon(v)}`)
      .join(',')}}`;
  throw new Error(`toIon: unable to transform a ${typeof value} to ion`);
}

/**
 * Pebble: `fromIon(ion, allRows=false)` — the first Ion value of the text, or every value with `allRows`.
 * Annotations are dropped, timestamps stay text (the date filters read them), blobs and clobs are refused.
 */
export function fromIon(text: unknown, allRows = false): unknown {
  if (text === null || text === undefined) return null;
  if (typeof text !== 'string') throw new Error("fromIon: the 'ion' argument must be a string");
  const reader = new IonReader(text);
  const values: unknown[] = [];
  for (;;) {
    reader.skipSpace();
    if (reader.done()) break;
    values.push(reader.value());
    if (!allRows) break;
  }
  return allRows ? values : (values[0] ?? null);
}

function ionString(text: string): string {
  return JSON.stringify(text);
}

function ionSymbol(text: string): string {
  if (IDENTIFIER.test(text) && !RESERVED_SYMBOLS.has(text)) return text;
  return `'${JSON.stringify(text).slice(1, -1).replace(/'/g, "\\'").replace(/\\"/g, '"')}'`;
}

/** Integers as Ion ints; decimals as Ion floats, digits as Java's `Double.toString` gives them (`1.5e0`). */
function ionNumber(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? '+inf' : '-inf';
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return String(value);
  const digits = javaDoubleString(value);
  return digits.includes('E') ? digits.replace('E', 'e') : `${digits}e0`;
}

/** A recursive-descent reader for Ion text. */
class IonReader {
  private at = 0;

  constructor(private readonly text: string) {}

  done(): boolean {
    return this.at >= this.text.length;
  }

  skipSpace(): void {
    for (;;) {
      const rest = this.text.slice(this.at);
      const space = /^(?:\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/)/.exec(rest);
      if (!space) return;
      this.at += space[0].length;
    }
  }

  value(): unknown {
    this.skipSpace();
    this.skipAnnotations();
    const ch = this.text.charAt(this.at);
    if (ch === '{') {
      if (this.text.startsWith('{{', this.at)) this.fail('blobs and clobs are not supported');
      return this.struct();
    }
    if (ch === '[') return this.sequence(']', ',');
    if (ch === '(') return this.sequence(')', '');
    if (ch === '"') return this.shortString();
    if (this.text.startsWith("'''", this.at)) return this.longStrings();
    if (ch === "'") return this.quotedSymbol();
    return this.atom();
  }

  private skipAnnotations(): void {
    for (;;) {
      const m = /^(?:[A-Za-z_$][A-Za-z0-9_$]*|'(?:[^'\\]|\\.)*')\s*::/.exec(this.text.slice(this.at));
      if (!m) return;
      this.at += m[0].length;
      this.skipSpace();
    }
  }

  private struct(): Record<string, unknown> {
    this.at++;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.skipSpace();
      if (this.eat('}')) return out;
      const key = this.fieldName();
      this.skipSpace();
      if (!this.eat(':')) this.fail("expected ':' after a field name");
      out[key] = this.value();
      this.skipSpace();
      if (this.eat('}')) return out;
      if (!this.eat(',')) this.fail("expected ',' or '}' in a struct");
    }
  }

  private fieldName(): string {
    const ch = this.text.charAt(this.at);
    if (ch === '"') return this.shortString();
    if (this.text.startsWith("'''", this.at)) return this.longStrings();
    if (ch === "'") return this.quotedSymbol();
    const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(this.text.slice(this.at));
    if (!m) this.fail('expected a field name');
    this.at += m[0].length;
    return m[0];
  }

  private sequence(close: string, separator: string): unknown[] {
    this.at++;
    const out: unknown[] = [];
    for (;;) {
      this.skipSpace();
      if (this.eat(close)) return out;
      out.push(separator === '' ? this.sexpElement() : this.value());
      this.skipSpace();
      if (this.eat(close)) return out;
      if (separator !== '' && !this.eat(separator))
        this.fail(`expected '${separator}' or '${close}' in a list`);
    }
  }

  private sexpElement(): unknown {
    const operator = /^[!#%&*+\-./;<=>?@^`|~]+/.exec(this.text.slice(this.at));
    if (operator && !/^[-+]?\d|^[-+]inf/.test(this.text.slice(this.at))) {
      this.at += operator[0].length;
      return operator[0];
    }
    return this.value();
  }

  private shortString(): string {
    const m = /^"(?:[^"\\\n]|\\[\s\S])*"/.exec(this.text.slice(this.at));
    if (!m) this.fail('unterminated string');
    this.at += m[0].length;
    return unescapeIon(m[0].slice(1, -1), this);
  }

  /** Adjacent '''long''' strings concatenate. */
  private longStrings(): string {
    let out = '';
    while (this.text.startsWith("'''", this.at)) {
      const end = this.text.indexOf("'''", this.at + 3);
      if (end < 0) this.fail('unterminated long string');
      out += unescapeIon(this.text.slice(this.at + 3, end), this);
      this.at = end + 3;
      const before = this.at;
      this.skipSpace();
      if (!this.text.startsWith("'''", this.at)) this.at = before;
    }
    return out;
  }

  private quotedSymbol(): string {
    const m = /^'(?:[^'\\\n]|\\[\s\S])*'/.exec(this.text.slice(this.at));
    if (!m) this.fail('unterminated symbol');
    this.at += m[0].length;
    return unescapeIon(m[0].slice(1, -1), this);
  }

  private atom(): unknown {
    const timestamp = TIMESTAMP.exec(this.text.slice(this.at));
    if (timestamp) {
      this.at += timestamp[0].length;
      return timestamp[0]; // kept as text, as the date filters read it
    }
    const m = /^[^\s,\]})[{("':]+/.exec(this.text.slice(this.at));
    if (!m) this.fail('expected a value');
    const token = m[0];
    this.at += token.length;
    if (token === 'null' || token.startsWith('null.')) return null;
    if (token === 'true' || token === 'false') return token === 'true';
    if (token === 'nan') return Number.NaN;
    if (token === '+inf' || token === '-inf') return token === '+inf' ? Infinity : -Infinity;
    if (
      /^-?(?:0|[1-9][\d_]*)$/.test(token) ||
      /^-?0[xX][\da-fA-F_]+$/.test(token) ||
      /^-?0[bB][01_]+$/.test(token)
    )
      return integer(token);
    if (/^-?(?:0|[1-9][\d_]*)(?:\.[\d_]*)?(?:[dDeE][-+]?\d+)?$/.test(token))
      return Number(token.replace(/_/g, '').replace(/[dD]/, 'e'));
    if (IDENTIFIER.test(token)) return token;
    return this.fail(`unexpected '${token}'`);
  }

  private eat(ch: string): boolean {
    if (this.text.charAt(this.at) !== ch) return false;
    this.at++;
    return true;
  }

  fail(message: string): never {
    throw new Error(`fromIon: invalid ion at offset ${this.at}: ${message}`);
  }
}

function integer(token: string): number | bigint {
  const negative = token.startsWith('-');
  const digits = (negative ? token.slice(1) : token).replace(/_/g, '');
  const big = BigInt(digits) * (negative ? -1n : 1n);
  return big >= -(2n ** 53n) && big <= 2n ** 53n ? Number(big) : big;
}

const ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  t: '\t',
  n: '\n',
  f: '\f',
  r: '\r',
  v: '\v',
  '?': '?',
  '0': '\0',
  '"': '"',
  "'": "'",
  '/': '/',
  '\\': '\\',
  '\n': '',
};

function unescapeIon(body: string, reader: IonReader): string {
  return body.replace(/\\(x[\da-fA-F]{2}|u[\da-fA-F]{4}|U[\da-fA-F]{8}|[\s\S])/g, (_m, code: string) => {
    if (code.length > 1) return String.fromCodePoint(Number.parseInt(code.slice(1), 16));
    const plain = ESCAPES[code];
    return plain ?? reader.fail(`unknown escape '\\${code}'`);
  });
}
