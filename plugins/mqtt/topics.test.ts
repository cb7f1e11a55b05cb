import { describe, expect, it } from 'vitest';
import { topicMatches } from './topics.js';

describe('topicMatches', () => {
  it.each([
    ['sensors/+/temp', 'sensors/cold-room/temp', true],
    ['sensors/+/temp', 'sensors/cold-room/humidity', false],
    ['sensors/+/temp', 'sensors/temp', false],
    ['sensors/+/temp', 'sensors/a/b/temp', false],
    ['sensors/#', 'sensors', true],
    ['sensors/#', 'sensors/a/b/c', true],
    ['sensors/#', 'sensorsx/a', false],
    ['#', 'a/b', true],
    ['#', '', true],
    ['+', '', true],
    ['+', 'a/b', false],
    ['a/+', 'a/', true],
    ['a', 'a/', false],
    ['a/', 'a', false],
    ['a/b', 'a/b', true],
    ['a/b', 'a/bc', false],
    ['a/bc', 'a/b', false],
    ['+/+', '/x', true],
    ['/+', '/x', true],
    ['+/b/#', 'a/b', true],
    ['+/b/#', 'a/c/d', false],
    ['#', '$SYS/broker', false],
    ['+/broker', '$SYS/broker', false],
    ['$SYS/#', '$SYS/broker', true],
    ['$SYS/+', '$SYS/broker', true],
  ])('%s against %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});
