/** MQTT topic filters: validation and matching (`+` one level, `#` the rest), as brokers apply them. */

/**
 * True when `topic` matches `filter`. Wildcards at the first level do not
 * match topics starting with `$` (MQTT-4.7.2-1).
 *
 * @example topicMatches('sensors/+/temp', 'sensors/cold-room/temp') // true
 * @example topicMatches('sensors/#', 'sensors') // true
 */
export function topicMatches(filter: string, topic: string): boolean {
  // Level by level on indexes, without splitting: this runs for every message and subscription.
  if (topic.charCodeAt(0) === DOLLAR && (filter.charCodeAt(0) === PLUS || filter.charCodeAt(0) === HASH))
    return false;
  let f = 0;
  let t = 0;
  while (f <= filter.length) {
    const fEnd = levelEnd(filter, f);
    const wildcard = fEnd - f === 1 ? filter.charCodeAt(f) : 0;
    if (wildcard === HASH) return true;
    if (t > topic.length) return false;
    const tEnd = levelEnd(topic, t);
    if (wildcard !== PLUS && !sameLevel(filter, f, fEnd, topic, t, tEnd)) return false;
    f = fEnd + 1;
    t = tEnd + 1;
  }
  return t > topic.length;
}

const DOLLAR = 36;
const PLUS = 43;
const HASH = 35;

function levelEnd(text: string, from: number): number {
  const slash = text.indexOf('/', from);
  return slash === -1 ? text.length : slash;
}

function sameLevel(a: string, aFrom: number, aEnd: number, b: string, bFrom: number, bEnd: number): boolean {
  if (aEnd - aFrom !== bEnd - bFrom) return false;
  for (let i = 0; i < aEnd - aFrom; i++)
    if (a.charCodeAt(aFrom + i) !== b.charCodeAt(bFrom + i)) return false;
  return true;
}

/** Why `filter` is not a valid subscription filter, or undefined. */
export function filterProblem(filter: string): string | undefined {
  if (filter === '') return 'a topic filter cannot be empty';
  const parts = filter.split('/');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (part.includes('#') && (part !== '#' || i !== parts.length - 1))
      return `'${filter}': '#' must be a whole level, and the last one`;
    if (part.includes('+') && part !== '+') return `'${filter}': '+' must be a whole level`;
  }
  return undefined;
}

/** Why `topic` cannot be published to, or undefined. */
export function topicProblem(topic: string): string | undefined {
  if (topic === '') return 'the topic cannot be empty';
  if (topic.includes('+') || topic.includes('#')) return `'${topic}': a topic to publish to has no wildcards`;
  return undefined;
}
