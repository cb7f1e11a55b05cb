/** Kestra's `encrypt`/`decrypt`, byte for byte as its EncryptionService: AES/GCM, base64(IV ‖ ciphertext ‖ tag). */
import { type CipherGCMTypes, createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_LENGTH = 12;
const TAG_LENGTH = 16;

/** Pebble: `encrypt(key, plaintext)` — `key` is a base64 AES key of 16, 24 or 32 bytes. */
export function encrypt(key: unknown, plaintext: unknown, iv: Buffer = randomBytes(IV_LENGTH)): string {
  const keyBytes = aesKey('encrypt', key);
  if (typeof plaintext !== 'string') throw new Error("encrypt: the 'plaintext' argument must be a string");
  const cipher = createCipheriv(gcm(keyBytes), keyBytes, iv, {
    authTagLength: TAG_LENGTH,
  });
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64');
}

/** Pebble: `decrypt(key, encrypted)` — the plaintext of a value `encrypt` (here or in Kestra) produced with `key`. */
export function decrypt(key: unknown, encrypted: unknown): string {
  const keyBytes = aesKey('decrypt', key);
  if (typeof encrypted !== 'string') throw new Error("decrypt: the 'encrypted' argument must be a string");
  const input = base64('decrypt', 'encrypted', encrypted);
  if (input.length < IV_LENGTH + TAG_LENGTH) throw new Error('decrypt: the encrypted value is too short');
  const decipher = createDecipheriv(gcm(keyBytes), keyBytes, input.subarray(0, IV_LENGTH), {
    authTagLength: TAG_LENGTH,
  });
  decipher.setAuthTag(input.subarray(input.length - TAG_LENGTH));
  try {
    return Buffer.concat([
      decipher.update(input.subarray(IV_LENGTH, input.length - TAG_LENGTH)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    throw new Error('decrypt: the value was not encrypted with this key, or it was altered (tag mismatch)');
  }
}

function gcm(key: Buffer): CipherGCMTypes {
  return `aes-${key.length * 8}-gcm` as CipherGCMTypes;
}

function aesKey(fn: string, key: unknown): Buffer {
  if (typeof key !== 'string') throw new Error(`${fn}: the 'key' argument must be a base64 string`);
  const bytes = base64(fn, 'key', key);
  if (![16, 24, 32].includes(bytes.length))
    throw new Error(`${fn}: the key must decode to 16, 24 or 32 bytes for AES, got ${bytes.length}`);
  return bytes;
}

function base64(fn: string, argument: string, text: string): Buffer {
  // Java's Base64.getDecoder() refuses anything outside the standard alphabet.
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text))
    throw new Error(`${fn}: the '${argument}' argument is not valid base64`);
  return Buffer.from(text, 'base64');
}
