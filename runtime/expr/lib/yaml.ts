/** Kestra's `yaml` filter (Jackson YAMLMapper's output) and `yaml(text)` function (YAML into plain values). */
import { parse } from 'yaml';
import { javaDoubleString } from './java-values.js';

const RESERVED = new Set(['true', 'false', 'yes', 'no', 'y', 'n', 'on', 'off', 'null', '~']);
const NUMBER_LIKE =
  /^[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$|^0x[0-9a-fA-F]+$|^0o?[0-7]+$|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$/;
const FIRST_NEEDS_QUOTES = /^[-?:,[\]{}#&*!|>'"%@`\s]/;

/**
 * Pebble: `value | yaml` — as Kestra's YAMLMapper writes it: minimal quotes (double quotes where YAML would
 * read another type), dashes indented by one, literal blocks for multi-line text; null is the text `null`.
 */
export function toYaml(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  return `${block(value, '').join('\n')}\n`;
}

/** Pebble: `yaml(text)` — the value a YAML document describes; invalid YAML is an error naming the problem. */
export function fromYaml(text: unknown): unknown {
  if (typeof text !== 'string') throw new Error("yaml: the 'yaml' argument must be a string");
  let parsed: unknown;
  try {
    parsed = parse(text, { intAsBigInt: true, uniqueKeys: false });
  } catch (error) {
    throw new Error(`yaml: invalid yaml: ${(error as Error).message}`);
  }
  return narrowIntegers(parsed);
}

/** Integers that fit a double exactly become numbers; the rest stay bigint, as Java keeps them as Long/BigInteger. */
function narrowIntegers(value: unknown): unknown {
  if (typeof value === 'bigint') return value >= -(2n ** 53n) && value <= 2n ** 53n ? Number(value) : value;
  if (Array.isArray(value)) return value.map(narrowIntegers);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, narrowIntegers(v)]));
  return value;
}

/** The lines of a value written at `indent`, its first line without the indent (the caller places it). */
function block(value: unknown, indent: string): string[] {
  if (Array.isArray(value)) {
    if (value.length === 0) return ['[]'];
    return value.flatMap((item, i) => {
      const [first = '', ...rest] = nested(item, indent);
      return [`${i === 0 ? '' : indent} - ${first}`, ...rest];
    });
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return ['{}'];
    return entries.flatMap(([key, item], i) => {
      const head = `${i === 0 ? '' : indent}${scalar(key, indent)}:`;
      if (isCollection(item)) {
        const inner = Array.isArray(item) ? indent : `${indent}  `;
        const lines = block(item, inner);
        return [head, `${inner}${lines[0]}`, ...lines.slice(1)];
      }
      const [first, ...rest] = scalar(item, `${indent}  `).split('\n');
      return [`${head} ${first}`, ...rest];
    });
  }
  return scalar(value, indent).split('\n');
}

/** A list item's lines: a collection starts on the item's line (a nested list right after its dash). */
function nested(value: unknown, indent: string): string[] {
  if (!isCollection(value)) return scalar(value, `${indent}   `).split('\n');
  if (!Array.isArray(value)) return block(value, `${indent}   `);
  const lines = block(value, `${indent}  `);
  return [lines[0]!.trimStart(), ...lines.slice(1)];
}

function isCollection(value: unknown): boolean {
  return (
    value !== null &&
    typeof value === 'object' &&
    !(value instanceof Date) &&
    (Array.isArray(value) ? value.length > 0 : Object.keys(value).length > 0)
  );
}

/** One scalar: plain when YAML reads it back as the same string, else double-quoted; multi-line as a literal block. */
function scalar(value: unknown, indent: string): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'number') return javaDoubleString(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return '[]';
  if (typeof value === 'object') return '{}';
  const text = String(value);
  if (text.includes('\n')) return literal(text, indent);
  return needsQuotes(text) ? quote(text) : text;
}

function needsQuotes(text: string): boolean {
  return (
    text === '' ||
    RESERVED.has(text.toLowerCase()) ||
    NUMBER_LIKE.test(text) ||
    FIRST_NEEDS_QUOTES.test(text) ||
    /\s$/.test(text) ||
    /[[\]{},]|: |:$| #/.test(text) ||
    hasControlCharacter(text)
  );
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function quote(text: string): string {
  return JSON.stringify(text).replace(/\u2028|\u2029/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** YAML's literal block: `|-` without a final newline, `|` with one, `|+` with more. */
function literal(text: string, indent: string): string {
  const trailing = /\n*$/.exec(text)![0].length;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const body = trailing === 0 ? text : text.slice(0, trailing === 1 ? -1 : text.length);
  const lines = (trailing > 1 ? body.replace(/\n$/, '') : body).split('\n');
  return [`|${chomp}`, ...lines.map((line) => (line === '' ? '' : `${indent || '  '}${line}`))].join('\n');
}
