/** MQTT topic filters: validation and matching (`+` one level, `#` the rest), as brokers apply them. */

/**
 * True when `topic` matches `filter`. Wildcards at the first level do not
 * match topics starting with `$` (MQTT-4.7.2-1).
 *
 * @example topicMatches('sensors/+/temp', 'sensors/cold-room/temp') // true
 * @example topicMatches('sensors/#', 'sensors') // true
 */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const part = f[i];
    if (part === '#') return true;
    if (i >= t.length) return false;
    if (part !== '+' && part !== t[i]) return false;
  }
  return f.length === t.length;
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
