/** Bearer tokens and agent passwords: how they are made, hashed and compared. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every token Tern makes starts with this, so that leaked tokens are easy to recognise and scan for. */
export const TOKEN_PREFIX = 'tern_';

/**
 * A new secret: 32 random bytes, base64url, after {@link TOKEN_PREFIX}.
 *
 * @example newToken() // 'tern_' followed by 43 characters
 */
export function newToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** SHA-256 of the token, hex: what is stored instead of the token. A fast hash suffices for 256 random bits. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares two hashes from {@link hashToken} in constant time. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The start of a token shown in lists: enough to tell tokens apart, never
 * more than a quarter of it, so a short chosen token is not given away.
 */
export function tokenPrefix(token: string): string {
  return token.slice(0, Math.min(TOKEN_PREFIX.length + 8, Math.floor(token.length / 4)));
}
