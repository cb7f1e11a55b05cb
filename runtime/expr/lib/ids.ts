/** Kestra's identifier functions: `uuid()` (a version 7 UUID), `ksuid()`, `nanoId()`, and `randomPort()`. */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * A version 7 UUID (48 bits of Unix milliseconds, then random bits), what Kestra's `uuid()` generates
 * (`Generators.timeBasedEpochRandomGenerator`): sortable by creation time.
 *
 * @example uuidV7() // '0190163d-8694-739b-aea5-966c26f8ad91'
 */
export function uuidV7(now = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | ((bytes[6] as number) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Seconds of the KSUID epoch (2014-05-13T16:53:20Z) after the Unix epoch. */
const KSUID_EPOCH = 1_400_000_000;

/**
 * A KSUID (segmentio/ksuid, as Kestra's `ksuid()`): 4 bytes of seconds since the KSUID epoch and 16 random
 * bytes, as 27 base62 characters, so that text order is creation order.
 *
 * @example ksuid() // '2QnJjKLvpSfpZqGiPPxVwWLMy2p'
 */
export function ksuid(now = Date.now()): string {
  const bytes = randomBytes(20);
  bytes.writeUInt32BE(Math.floor(now / 1000) - KSUID_EPOCH, 0);
  return base62(BigInt(`0x${bytes.toString('hex')}`), 27);
}

/** `n` in base 62 (`0-9A-Za-z`), left-padded with `0` to `width` characters. */
export function base62(n: bigint, width: number): string {
  let text = '';
  for (let rest = n; rest > 0n; rest /= 62n) text = BASE62[Number(rest % 62n)] + text;
  return text.padStart(width, '0');
}

/** Kestra's `nanoId()` defaults: 21 characters of `0-9A-Za-z-_`, at most 1000. */
export const NANO_ID = { length: 21, maxLength: 1000, alphabet: `${BASE62}-_` } as const;

/** `length` characters drawn uniformly from `alphabet` with a cryptographic random source. */
export function nanoId(length: number, alphabet: string): string {
  const chars = [...alphabet];
  let id = '';
  for (let i = 0; i < length; i++) id += chars[randomInt(chars.length)];
  return id;
}

/**
 * A TCP port free on this machine, as Kestra's `randomPort()` finds one: the port the system gives a socket
 * bound to port 0. Expressions render synchronously and Node binds asynchronously, so a short-lived Node
 * process binds it and prints it.
 */
export function randomPort(): number {
  const script =
    "const s=require('node:net').createServer();s.listen(0,()=>{process.stdout.write(String(s.address().port));s.close()})";
  const port = Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 }));
  if (!Number.isInteger(port) || port <= 0) throw new Error('Unable to get random port');
  return port;
}
