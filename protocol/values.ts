/** Value helpers shared by plugins and the engine. */

const FALSY_STRINGS = new Set(['', 'false', '0', '-0']);

/**
 * Truthiness as Kestra's conditions see it: booleans as they are; strings are
 * false when blank, 'false' (any case), '0' or '-0'; numbers when non-zero;
 * lists and maps when non-empty; null and undefined are false.
 *
 * @example isTruthy('False') // false
 */
export function isTruthy(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === null || value === undefined) return false;
  if (typeof value === 'string') return !FALSY_STRINGS.has(value.trim().toLowerCase());
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return Object.keys(value).length > 0;
  return true;
}

/** A value as a string key (foreach values, switch cases): strings as they are, others as JSON. */
export function asKey(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `value` with every string in it (map keys too) replaced by `text(string)`: how a task renders a map
 * as Kestra renders a property's strings, to text, while other literals keep their type.
 *
 * @example mapTexts({ n: 1, s: '{{ x }}' }, render) // { n: 1, s: render('{{ x }}') }
 */
export function mapTexts(value: unknown, text: (s: string) => string): unknown {
  if (typeof value === 'string') return text(value);
  if (Array.isArray(value)) return value.map((item) => mapTexts(item, text));
  if (!isMap(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [text(k), mapTexts(v, text)]));
}

/**
 * `over` laid on `base`: maps merge key by key, at every depth; anything else
 * (lists included) replaces. Neither argument is changed.
 *
 * @example deepMerge({ a: { x: 1 }, l: [1] }, { a: { y: 2 }, l: [2] }) // { a: { x: 1, y: 2 }, l: [2] }
 */
export function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isMap(current) && isMap(value) ? deepMerge(current, value) : value;
  }
  return out;
}

/** Java's `String.valueOf(value)` for template values: lists as `[a, b]`, maps as `{k=v}` (Kestra's messages quote them so). */
export function javaToString(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(javaToString).join(', ')}]`;
  if (typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}=${javaToString(v)}`)
      .join(', ')}}`;
  return String(value);
}
