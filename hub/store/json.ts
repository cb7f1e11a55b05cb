/** JSON for PostgreSQL: text and `jsonb` refuse the NUL character, which task output can hold. */

/**
 * `JSON.stringify`, with every NUL character in strings and keys replaced by
 * U+FFFD. Without this, one record holding a NUL would fail its whole write
 * batch, and every retry of it, for good.
 *
 * @example jsonText({ out: 'a\u0000b' }) // '{"out":"a\ufffdb"}'
 */
export function jsonText(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`a ${typeof value} value cannot be stored as JSON`);
  // JSON.stringify writes NUL as the escape \u0000; checking for it first keeps the common case fast.
  return json.includes('\\u0000') ? JSON.stringify(withoutNul(value)) : json;
}

function textWithoutNul(text: string): string {
  return text.includes('\0') ? text.replaceAll('\0', '\uFFFD') : text;
}

function withoutNul(value: unknown): unknown {
  if (typeof value === 'string') return textWithoutNul(value);
  if (Array.isArray(value)) return value.map(withoutNul);
  if (value !== null && typeof value === 'object') {
    const json = (value as { toJSON?: () => unknown }).toJSON;
    if (typeof json === 'function') return withoutNul(json.call(value));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [textWithoutNul(k), withoutNul(v)]));
  }
  return value;
}
