/** Kestra's hashing and base64 filters: hex digests of UTF-8 text, and Java's strict base64. */
import { createHash } from 'node:crypto';

/** Pebble: `value | md5` — lowercase hex MD5 of the UTF-8 bytes (Kestra's Md5Filter). */
export function md5(value: unknown): string | null {
  return digest('md5', value);
}

/** Pebble: `value | sha1` — lowercase hex SHA-1 of the UTF-8 bytes. */
export function sha1(value: unknown): string | null {
  return digest('sha1', value);
}

/** Pebble: `value | sha256` — lowercase hex SHA-256 of the UTF-8 bytes. */
export function sha256(value: unknown): string | null {
  return digest('sha256', value);
}

/** Pebble: `value | sha512` — lowercase hex SHA-512 of the UTF-8 bytes. */
export function sha512(value: unknown): string | null {
  return digest('sha512', value);
}

function digest(algorithm: 'md5' | 'sha1' | 'sha256' | 'sha512', value: unknown): string | null {
  if (value === null || value === undefined) return null;
  // Kestra's ShaBaseFilter hashes strings only.
  if (typeof value !== 'string') throw new Error(`${algorithm}: need a string to hash, got ${kind(value)}`);
  return createHash(algorithm).update(value, 'utf8').digest('hex');
}

/** Pebble: `value | base64encode` — standard base64 (with padding) of the UTF-8 bytes. */
export function base64encode(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new Error(`base64encode: need a string, got ${kind(value)}`);
  return Buffer.from(value, 'utf8').toString('base64');
}

/** Java's `Base64.getDecoder()` accepts the standard alphabet only, padding optional but never misplaced. */
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

/** Pebble: `value | base64decode` — the UTF-8 text of standard base64; anything else is an error, as in Java. */
export function base64decode(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new Error(`base64decode: need a string, got ${kind(value)}`);
  if (!STRICT_BASE64.test(value)) throw new Error(`base64decode: '${value}' is not valid base64`);
  return Buffer.from(value, 'base64').toString('utf8');
}

function kind(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a map' : `${typeof value} ${String(value)}`;
}
