/** Kafka serde types: the Java client's encodings, both ways. */
import { describe, expect, it } from 'vitest';
import { deserialize, SERDE_TYPES, serialize } from './serde.js';

describe('serialize and deserialize', () => {
  it('writes numbers big-endian with their Java widths', () => {
    expect(serialize(7, 'INTEGER')?.toString('hex')).toBe('00000007');
    expect(serialize(-2, 'SHORT')?.toString('hex')).toBe('fffe');
    expect(serialize(1, 'LONG')?.toString('hex')).toBe('0000000000000001');
    expect(serialize(1.5, 'DOUBLE')?.toString('hex')).toBe('3ff8000000000000');
  });

  it('round-trips every type', () => {
    const samples: Record<string, unknown> = {
      STRING: 'héllo',
      JSON: { a: [1, 'b'] },
      INTEGER: -42,
      LONG: 2 ** 40,
      SHORT: 300,
      FLOAT: 0.5,
      DOUBLE: Math.PI,
      BYTE_ARRAY: Buffer.from([0, 255]).toString('base64'),
      BYTE_BUFFER: 'AQI=',
      VOID: null,
    };
    for (const type of SERDE_TYPES)
      expect([type, deserialize(serialize(samples[type], type), type)]).toEqual([type, samples[type]]);
  });

  it('sends maps as JSON under STRING, and keeps null as null', () => {
    expect(serialize({ a: 1 }, 'STRING')?.toString()).toBe('{"a":1}');
    expect(serialize(null, 'JSON')).toBeNull();
  });

  it('says why bytes do not fit the type', () => {
    expect(() => serialize(1.5, 'INTEGER')).toThrow('1.5 is not a whole number (serializer INTEGER)');
    expect(() => deserialize(Buffer.from('{'), 'JSON')).toThrow(/not valid JSON/);
    expect(() => deserialize(Buffer.from([1, 2]), 'INTEGER')).toThrow(
      '2 bytes cannot be a INTEGER (4 bytes)',
    );
  });
});
