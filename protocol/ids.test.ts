/** Ids: their format, uniqueness and creation order, many in one millisecond included. */
import { describe, expect, it } from 'vitest';
import { isValidId, newId } from './ids.js';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The base62 number written by `digits`. */
function decode(digits: string): number {
  let value = 0;
  for (const c of digits) value = value * 62 + ALPHABET.indexOf(c);
  return value;
}

describe('newId', () => {
  it('is 22 base62 characters, a valid id', () => {
    for (let i = 0; i < 1000; i++) {
      const id = newId();
      expect(id).toMatch(/^[0-9A-Za-z]{22}$/);
      expect(isValidId(id)).toBe(true);
    }
  });

  it('starts with the millisecond it was made in, in 8 base62 digits', () => {
    const before = Date.now();
    const id = newId();
    const after = Date.now();
    const ms = decode(id.slice(0, 8));
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
  });

  it('makes ids that are unique and sort in creation order, thousands per millisecond', () => {
    const ids = Array.from({ length: 50_000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('draws its last 11 characters at random from the whole alphabet', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) for (const c of newId().slice(11)) seen.add(c);
    expect(seen.size).toBe(62);
  });
});
