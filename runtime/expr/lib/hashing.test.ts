/** Hex digests and base64 as Kestra's filters give them; expected values from the algorithms' standard outputs. */
import { describe, expect, it } from 'vitest';
import { base64decode, base64encode, md5, sha1, sha256, sha512 } from './hashing.js';

const OPENSSL = 'openssl dgst of "hello" (RFC 1321 / FIPS 180-4)';

describe('digests', () => {
  it.each([
    [md5, '5d41402abc4b2a76b9719d911017c592'],
    [sha1, 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d'],
    [sha256, '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824'],
    [
      sha512,
      '9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043',
    ],
  ])(`${OPENSSL}: %o`, (filter, expected) => {
    expect(filter('hello')).toBe(expected);
  });

  it('gives null for null (Kestra ShaBaseFilter)', () => {
    expect(sha256(null)).toBeNull();
  });

  it('refuses a value that is not a string (Kestra: "Need a string to hash")', () => {
    expect(() => md5(42)).toThrow(/md5: need a string to hash, got number 42/);
  });
});

describe('base64', () => {
  it('encodes UTF-8 text with padding (java.util.Base64 encoder; coreutils base64)', () => {
    expect(base64encode('héllo wörld')).toBe('aMOpbGxvIHfDtnJsZA==');
  });

  it.each([
    ['aMOpbGxvIHfDtnJsZA==', 'héllo wörld'],
    ['aMOpbGxvIHfDtnJsZA', 'héllo wörld'],
  ])('decodes %o (java.util.Base64 decoder: padding optional)', (encoded, expected) => {
    expect(base64decode(encoded)).toBe(expected);
  });

  it.each(['abc$', 'a===', 'aGk=aGk='])("refuses %o as Java's strict decoder does", (encoded) => {
    expect(() => base64decode(encoded)).toThrow(/is not valid base64/);
  });
});
