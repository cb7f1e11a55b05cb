/** Identifiers: short, URL-safe, and sortable by creation time. */

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;

/** The character code of each of {@link ALPHABET}'s characters. */
const CODES = Array.from(ALPHABET, (c) => c.charCodeAt(0));

let lastTime = 0;
let counter = 0;
/** `encode(lastTime, 8)`: made once per millisecond, not once per id. */
let timePart = '';

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
    timePart = encode(now, 8);
  }
  if (poolOffset + 11 > pool.length) {
    globalThis.crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  // One string for the random part: ids are made several times per execution, thousands a second.
  const at = poolOffset;
  poolOffset += 11;
  const random = String.fromCharCode(
    randomCode(at),
    randomCode(at + 1),
    randomCode(at + 2),
    randomCode(at + 3),
    randomCode(at + 4),
    randomCode(at + 5),
    randomCode(at + 6),
    randomCode(at + 7),
    randomCode(at + 8),
    randomCode(at + 9),
    randomCode(at + 10),
  );
  return timePart + encode(counter % 238_328, 3) + random;
}

/** Random bytes drawn in bulk: one system call per few hundred ids. */
const pool = new Uint8Array(4096);
let poolOffset = pool.length;

function randomCode(index: number): number {
  return CODES[pool[index]! % 62]!;
}

/** `value` in `width` base62 digits, most significant first. */
function encode(value: number, width: number): string {
  const codes = new Array<number>(width);
  let v = value;
  for (let i = width - 1; i >= 0; i--) {
    codes[i] = CODES[v % 62]!;
    v = Math.floor(v / 62);
  }
  return String.fromCharCode(...codes);
}

/** True for a valid flow id, namespace segment, task id or agent id. */
export function isValidId(value: string): boolean {
  return ID_PATTERN.test(value);
}

export { ID_PATTERN };
