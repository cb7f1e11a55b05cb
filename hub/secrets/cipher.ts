/**
 * Encryption of the hub's secrets: AES-256-GCM with a random 96-bit IV per
 * value, and the secret's namespace and name as additional data, so a stored
 * value cannot be moved to another name. The key comes from TERN_SECRET_KEY.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { TernError } from '../../protocol/errors.js';

const VERSION = 'v1';
/** Fixed salt: a passphrase must derive the same key at every start, on every hub sharing the database. */
const PASSPHRASE_SALT = 'tern.secrets.v1';
export const MIN_PASSPHRASE_LENGTH = 16;

/**
 * The 32-byte key from TERN_SECRET_KEY's text: 64 hex digits, or base64 (or
 * base64url) of 32 bytes, taken as they are; anything else is a passphrase of
 * at least 16 characters, stretched with scrypt.
 *
 * @example secretKey(randomBytes(32).toString('base64'))
 * @example secretKey('correct horse battery staple')
 */
export function secretKey(text: string): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed, 'base64');
    if (bytes.length === 32) return bytes;
  }
  if (trimmed.length < MIN_PASSPHRASE_LENGTH)
    throw new TernError(
      'BAD_REQUEST',
      `TERN_SECRET_KEY: give 32 bytes as 64 hex digits or base64 (openssl rand -base64 32), or a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters`,
    );
  return scryptSync(trimmed, PASSPHRASE_SALT, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
}

const aad = (namespace: string, name: string) => Buffer.from(`${namespace}\0${name}`, 'utf8');

/**
 * Encrypts and decrypts secret values with one key.
 *
 * @example
 * const cipher = new SecretCipher(secretKey(process.env.TERN_SECRET_KEY));
 * const stored = cipher.encrypt('plant1', 'API_KEY', 's3cr3t'); // 'v1:…'
 * cipher.decrypt('plant1', 'API_KEY', stored); // 's3cr3t'
 */
export class SecretCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('an AES-256 key has 32 bytes');
  }

  encrypt(namespace: string, name: string, value: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(aad(namespace, name));
    const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), data]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64')))
      .join(':');
  }

  /** The value; throws when it was stored with another key, under another name, or was altered. */
  decrypt(namespace: string, name: string, stored: string): string {
    const [version, iv, tag, data] = stored.split(':');
    if (version !== VERSION || iv === undefined || tag === undefined || data === undefined)
      throw new Error(`secret ${name}: stored in an unknown format`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      decipher.setAAD(aad(namespace, name));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new Error(
        `secret ${name}${namespace ? ` (namespace ${namespace})` : ''} cannot be decrypted: TERN_SECRET_KEY is not the key it was stored with`,
      );
    }
  }
}
