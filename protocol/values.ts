/** Value helpers shared by plugins and the engine. */

/**
 * Truthiness as Kestra's conditions see it: booleans as they are; the strings
 * 'true'/'false' by meaning and other strings when non-empty; non-zero
 * numbers; non-empty lists and maps; null and undefined are false.
 */
export function isTruthy(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === null || value === undefined) return false;
  if (typeof value === 'string') {
    const t = value.trim().toLowerCase();
    return t !== '' && t !== 'false' && t !== '0' && t !== 'null';
  }
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

/** A value as a string key (foreach values, switch cases): strings as they are, others as JSON. */
export function asKey(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
