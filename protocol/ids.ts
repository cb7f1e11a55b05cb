/** Identifiers: short, URL-safe, and sortable by creation time. */

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;

let lastTime = 0;
let counter = 0;

/**
 * A 22-character base62 id: 8 characters of millisecond time, a 3-character
 * in-millisecond counter, and 11 random characters. Ids made by one process
 * sort in creation order.
 *
 * @example newId() // '0mK3bX2a000Qw8dL0zP1cAe'
 */
export function newId(): string {
  const now = Date.now();
  if (now === lastTime) counter++;
  else {
    lastTime = now;
    counter = 0;
  }
  let out = encode(now, 8) + encode(counter % 238_328, 3);
  if (poolOffset + 11 > pool.length) {
    globalThis.crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  for (let i = 0; i < 11; i++) out += ALPHABET[pool[poolOffset++]! % 62];
  return out;
}

/** Random bytes drawn in bulk: one system call per few hundred ids. */
const pool = new Uint8Array(4096);
let poolOffset = pool.length;

function encode(value: number, width: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < width; i++) {
    out = ALPHABET[v % 62] + out;
    v = Math.floor(v / 62);
  }
  return out;
}

/** True for a valid flow id, namespace segment, task id or agent id. */
export function isValidId(value: string): boolean {
  return ID_PATTERN.test(value);
}

export { ID_PATTERN };
