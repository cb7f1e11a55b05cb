/** JSON in and out with Java's numbers: `1.0` stays a double, longs beyond 2^53 stay exact. */
import { isNumber, numberText, parseJavaNumber } from './numbers.js';
import { isPlainObject } from './values.js';

/** Number tokens JSON.parse would change: `1.0`, `1e3`, or more digits than a double keeps. */
const NEEDS_OWN_PARSER = /\d\.\d|\d[eE]|\d{16}/;

/**
 * Parses JSON as Kestra's Jackson does: a number with a fraction or exponent is a double (marked
 * when whole), a whole number is a long. Throws SyntaxError on bad input.
 *
 * @example parseJson('[1.0, 2]') // [JavaDouble(1), 2]
 */
export function parseJson(text: string): unknown {
  if (!NEEDS_OWN_PARSER.test(text)) return JSON.parse(text);
  JSON.parse(text); // the same errors, with the same messages, as the fast path
  return new JsonReader(text).document();
}

class JsonReader {
  private at = 0;

  constructor(private readonly text: string) {}

  document(): unknown {
    const value = this.value();
    this.space();
    return value;
  }

  private space(): void {
    while (/\s/.test(this.text.charAt(this.at))) this.at++;
  }

  private value(): unknown {
    this.space();
    const ch = this.text.charAt(this.at);
    if (ch === '{') return this.object();
    if (ch === '[') return this.array();
    if (ch === '"') return this.string();
    const word = /^(true|false|null)/.exec(this.text.slice(this.at, this.at + 5));
    if (word?.[1]) {
      this.at += word[1].length;
      return word[1] === 'null' ? null : word[1] === 'true';
    }
    const match = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(this.text.slice(this.at));
    const token = match?.[0] ?? '';
    this.at += token.length;
    return parseJavaNumber(token);
  }

  private string(): string {
    const start = this.at;
    this.at++;
    while (this.text.charAt(this.at) !== '"') this.at += this.text.charAt(this.at) === '\\' ? 2 : 1;
    this.at++;
    return JSON.parse(this.text.slice(start, this.at)) as string;
  }

  private array(): unknown[] {
    const out: unknown[] = [];
    this.at++;
    this.space();
    if (this.text.charAt(this.at) === ']') {
      this.at++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.space();
      if (this.text.charAt(this.at++) === ']') return out;
    }
  }

  private object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.at++;
    this.space();
    if (this.text.charAt(this.at) === '}') {
      this.at++;
      return out;
    }
    for (;;) {
      this.space();
      const key = this.string();
      this.space();
      this.at++; // ':'
      Object.defineProperty(out, key, {
        value: this.value(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.space();
      if (this.text.charAt(this.at++) === '}') return out;
    }
  }
}

/**
 * Writes a value as Kestra's Jackson does: compact, doubles as `1.0`, dates as ISO text.
 *
 * @example jsonText({ a: [1, new JavaDouble(2)] }) // '{"a":[1,2.0]}'
 */
export function jsonText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return String(value);
  if (isNumber(value)) {
    const text = numberText(value);
    return /^[-\d]/.test(text) ? text : 'null';
  }
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (isPlainObject(value))
    return `{${Object.keys(value)
      .map((k) => `${JSON.stringify(k)}:${jsonText(value[k])}`)
      .join(',')}}`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  return JSON.stringify(String(value));
}
