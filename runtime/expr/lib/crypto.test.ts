/** encrypt/decrypt interoperate with Kestra's EncryptionService (AES/GCM, IV first, base64). */
import { describe, expect, it } from 'vitest';
import { decrypt, encrypt } from './crypto.js';

const KEY = 'I6xA4q4Wa1tDQ2MvWRQdzhfDO0f9rtSs8shbADcxdVk=';
const IV = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
// Printed by Java's Cipher "AES/GCM/NoPadding" (OpenJDK 17) with KEY, IV 01..0c and "my secret value é",
// laid out as Kestra's EncryptionService does: base64(IV ‖ ciphertext ‖ tag).
const FROM_JAVA = 'AQIDBAUGBwgJCgsMWJh8Wts7W896CmC5neCGsYl/3aJTV/EAKWifS3lQhWDjBw==';

describe('encrypt and decrypt', () => {
  it('decrypts a value Java encrypted the way Kestra does', () => {
    expect(decrypt(KEY, FROM_JAVA)).toBe('my secret value é');
  });

  it('encrypts byte for byte as Java does for the same IV', () => {
    expect(encrypt(KEY, 'my secret value é', IV)).toBe(FROM_JAVA);
  });

  it('uses a fresh random IV each time, and each result decrypts', () => {
    const first = encrypt(KEY, 'hello');
    const second = encrypt(KEY, 'hello');
    expect(first).not.toBe(second);
    expect(decrypt(KEY, first)).toBe('hello');
    expect(decrypt(KEY, second)).toBe('hello');
  });

  it('works with 128-bit keys too', () => {
    const key = Buffer.alloc(16, 7).toString('base64');
    expect(decrypt(key, encrypt(key, 'short key'))).toBe('short key');
  });

  it('refuses a value encrypted with another key', () => {
    const other = Buffer.alloc(32, 9).toString('base64');
    expect(() => decrypt(other, FROM_JAVA)).toThrow(/not encrypted with this key, or it was altered/);
  });

  it.each([
    ['not base64!', 'x', /'key' argument is not valid base64/],
    [Buffer.alloc(10).toString('base64'), 'x', /16, 24 or 32 bytes for AES, got 10/],
    [KEY, 42, /'plaintext' argument must be a string/],
  ])('encrypt refuses key %o with plaintext %o', (key, plaintext, message) => {
    expect(() => encrypt(key, plaintext)).toThrow(message);
  });

  it('refuses an encrypted value that is too short', () => {
    expect(() => decrypt(KEY, 'AQID')).toThrow(/too short/);
  });
});
