/** Splitting a file of items into batches by rows, bytes and partitions, as Kestra does. */
import { describe, expect, it } from 'vitest';
import { parseByteSize, splitLines } from './split-items.js';

const five = 'a\nbb\nccc\ndddd\ne\n';

describe('splitLines', () => {
  it('makes one batch per item by default, and `rows` items per batch when given', () => {
    expect(splitLines(five, {})).toEqual([['a'], ['bb'], ['ccc'], ['dddd'], ['e']]);
    expect(splitLines(five, { rows: 2 })).toEqual([['a', 'bb'], ['ccc', 'dddd'], ['e']]);
  });

  it('closes a batch once it holds `bytes` bytes, items and separators counted', () => {
    // a\n bb\n = 5 bytes: the batch is full at 5.
    expect(splitLines(five, { bytes: 5 })).toEqual([['a', 'bb'], ['ccc', 'dddd'], ['e']]);
    expect(splitLines(five, { bytes: '1KB' })).toEqual([['a', 'bb', 'ccc', 'dddd', 'e']]);
  });

  it('fills `partitions` batches in turn and drops empty ones', () => {
    expect(splitLines(five, { partitions: 2 })).toEqual([
      ['a', 'ccc', 'e'],
      ['bb', 'dddd'],
    ]);
    expect(splitLines('x\n', { partitions: 3 })).toEqual([['x']]);
  });

  it('reads Windows line ends and a last line without one', () => {
    expect(splitLines('a\r\nb', { rows: 5 })).toEqual([['a', 'b']]);
  });
});

describe('parseByteSize', () => {
  it('reads sizes as Kestra does, 1024-based', () => {
    expect(parseByteSize('10MB')).toBe(10 * 1024 * 1024);
    expect(parseByteSize('512')).toBe(512);
    expect(parseByteSize(64)).toBe(64);
    expect(() => parseByteSize('ten')).toThrow("batch.bytes: 'ten' is not a size such as 10MB");
  });
});
