/**
 * Text and JSON for PostgreSQL. Its `text` and `jsonb` refuse NUL and UTF-16 surrogates without their
 * pair, which task output, webhook bodies and inputs can hold: both become U+FFFD.
 */

/** What replaces each character the database cannot store. */
export const REPLACEMENT_CHARACTER = '\uFFFD';

/** At most this many places are named when text is replaced in one record. */
const MAX_PLACES = 10;

/**
 * JSON.stringify writes NUL as `\u0000` and a lone surrogate as `\udXXX` (lower-case hex), and nothing else
 * it writes matches: one scan of the text tells whether the record needs a look. An escaped backslash
 * followed by such letters matches too; the look then finds nothing to change.
 */
const SUSPECT_ESCAPE = /\\u(?:0000|d[89a-f])/;

/** The scan: a plain search first, since most JSON text holds no `\u` escape at all. */
const suspect = (json: string): boolean => json.includes('\\u') && SUSPECT_ESCAPE.test(json);

/** True when PostgreSQL can store `text` as it is: no NUL, no unpaired surrogate. */
export function isStorableText(text: string): boolean {
  return text.isWellFormed() && !text.includes('\0');
}

/**
 * `text` with NUL and every unpaired surrogate replaced by U+FFFD; the same string when there is none.
 *
 * @example storableText('a\u0000b\ud800') // 'a\ufffdb\ufffd'
 */
export function storableText(text: string): string {
  if (isStorableText(text)) return text;
  return text.toWellFormed().replaceAll('\0', REPLACEMENT_CHARACTER);
}

/** JSON text PostgreSQL accepts as `json` and `jsonb`, and where in the value text was replaced. */
export interface StorableJson {
  json: string;
  /** Paths of the strings and keys that were changed (`inputs.name`, `items[2]`), at most ten. */
  replaced: string[];
}

/**
 * `JSON.stringify`, with NUL and unpaired surrogates in strings and keys replaced by U+FFFD (see
 * {@link storableText}). Without this, one record holding such a character would fail its whole write
 * batch. The common case costs one `JSON.stringify` and one scan of its result.
 *
 * @example storableJson({ body: { a: '\ud800' } }) // { json: '{"body":{"a":"\ufffd"}}', replaced: ['body.a'] }
 */
export function storableJson(value: unknown): StorableJson {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`a ${typeof value} value cannot be stored as JSON`);
  if (!suspect(json)) return { json, replaced: [] };
  const replaced: string[] = [];
  const clean = JSON.stringify(scrub(value, '', replaced));
  return { json: replaced.length === 0 ? json : clean, replaced };
}

/** {@link storableJson}'s text alone. */
export function jsonText(value: unknown): string {
  return storableJson(value).json;
}

/**
 * Rows as one JSON array, each row's replaced text reported to `onReplaced`. One `JSON.stringify` for the
 * whole array in the common case; rows are looked at one by one only when the array needs it.
 */
export function rowsJson<R>(rows: readonly R[], onReplaced: (row: R, places: string[]) => void): string {
  const json = JSON.stringify(rows);
  if (!suspect(json)) return json;
  const parts = rows.map((row) => {
    const stored = storableJson(row);
    if (stored.replaced.length > 0) onReplaced(row, stored.replaced);
    return stored.json;
  });
  return `[${parts.join(',')}]`;
}

function scrub(value: unknown, path: string, replaced: string[]): unknown {
  if (typeof value === 'string') {
    const clean = storableText(value);
    if (clean !== value) note(replaced, path || '(value)');
    return clean;
  }
  if (Array.isArray(value)) return value.map((v, i) => scrub(v, `${path}[${i}]`, replaced));
  if (value !== null && typeof value === 'object') {
    const json = (value as { toJSON?: () => unknown }).toJSON;
    if (typeof json === 'function') return scrub(json.call(value), path, replaced);
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => {
        const key = storableText(k);
        const at = path ? `${path}.${key}` : key;
        if (key !== k) note(replaced, at);
        return [key, scrub(v, at, replaced)];
      }),
    );
  }
  return value;
}

function note(replaced: string[], path: string): void {
  if (replaced.length < MAX_PLACES && !replaced.includes(path)) replaced.push(path);
}
