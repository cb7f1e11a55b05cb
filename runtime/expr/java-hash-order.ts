/**
 * The order Pebble's map literals iterate in. Pebble builds `{…}` into a `java.util.HashMap` sized for its
 * entries, so Kestra prints and loops over a literal's keys in hash-bucket order, not as written.
 */

/** Java's `String.hashCode`: over UTF-16 code units, wrapping at 32 bits. */
function stringHash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(31, h) + text.charCodeAt(i)) | 0;
  return h;
}

/** Java's `Long.hashCode`: the two halves of the 64-bit value XORed. */
function longHash(value: number | bigint): number {
  const v = BigInt.asUintN(64, BigInt(value));
  return Number(BigInt.asIntN(32, v ^ (v >> 32n)));
}

/** The hash a key has in Java: a string's, a whole number's as a Long, else its text's. */
function javaHash(key: unknown): number {
  if (typeof key === 'bigint' || (typeof key === 'number' && Number.isInteger(key))) return longHash(key);
  return stringHash(String(key));
}

/**
 * The positions of `keys` (distinct, in the order written) in the order a `HashMap` made with
 * Pebble's capacity (`ceil(n / 0.75)`) iterates them: by bucket, then in the order put.
 *
 * @example hashMapOrder(['b', 'a']) // [1, 0]: "a" iterates first
 */
export function hashMapOrder(keys: readonly unknown[]): number[] {
  let capacity = 1;
  while (capacity < Math.ceil(keys.length / 0.75)) capacity *= 2;
  const bucketOf = (key: unknown): number => {
    const h = javaHash(key);
    return (h ^ (h >>> 16)) & (capacity - 1);
  };
  return keys
    .map((key, index) => ({ index, bucket: bucketOf(key) }))
    .sort((a, b) => a.bucket - b.bucket || a.index - b.index)
    .map((entry) => entry.index);
}
