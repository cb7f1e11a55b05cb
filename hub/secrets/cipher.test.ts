/** AES-256-GCM encryption of the hub's secrets and the key from TERN_SECRET_KEY. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretCipher, secretKey } from './cipher.js';

describe('secretKey', () => {
  it('takes 32 bytes as hex or base64 as they are', () => {
    const key = randomBytes(32);
    expect(secretKey(key.toString('hex')).equals(key)).toBe(true);
    expect(secretKey(key.toString('base64')).equals(key)).toBe(true);
    expect(secretKey(key.toString('base64url')).equals(key)).toBe(true);
  });

  it('stretches a passphrase into the same key every time', () => {
    const a = secretKey('correct horse battery staple');
    expect(a).toHaveLength(32);
    expect(secretKey('correct horse battery staple').equals(a)).toBe(true);
  });

  it('refuses a short passphrase', () => {
    expect(() => secretKey('short')).toThrow(/at least 16 characters/);
  });
});

describe('SecretCipher', () => {
  const cipher = new SecretCipher(randomBytes(32));

  it('round-trips a value, with a fresh IV each time', () => {
    const a = cipher.encrypt('plant1', 'API_KEY', 'värde');
    const b = cipher.encrypt('plant1', 'API_KEY', 'värde');
    expect(a).not.toBe(b);
    expect(a).not.toContain('värde');
    expect(cipher.decrypt('plant1', 'API_KEY', a)).toBe('värde');
  });

  it('refuses a value moved to another name or namespace', () => {
    const stored = cipher.encrypt('plant1', 'API_KEY', 'v');
    expect(() => cipher.decrypt('plant2', 'API_KEY', stored)).toThrow(/cannot be decrypted/);
    expect(() => cipher.decrypt('plant1', 'OTHER', stored)).toThrow(/cannot be decrypted/);
  });

  it('says so when the key is not the one the value was stored with', () => {
    const stored = cipher.encrypt('', 'API_KEY', 'v');
    expect(() => new SecretCipher(randomBytes(32)).decrypt('', 'API_KEY', stored)).toThrow(
      'secret API_KEY cannot be decrypted: TERN_SECRET_KEY is not the key it was stored with',
    );
  });
});
