/** Packet boundaries followed through a byte stream by the fixed headers alone. */
import { describe, expect, it } from 'vitest';
import { fixedHeader } from '../../test/support/mqtt-flood.js';
import { PacketBoundaries } from './packet-size.js';

/** A whole packet: its fixed header and a body of zeros. */
function packet(type: number, bodyLength: number): Buffer {
  return Buffer.concat([fixedHeader(type, bodyLength), Buffer.alloc(bodyLength)]);
}

describe('PacketBoundaries', () => {
  it('lets packets within the limit through, several to a chunk', () => {
    const stream = Buffer.concat([packet(1, 40), packet(3, 1000), packet(12, 0), packet(3, 10)]);
    expect(new PacketBoundaries().overLimit(stream, 1000)).toBeUndefined();
  });

  it('names the declared length of the first packet above the limit', () => {
    const stream = Buffer.concat([packet(3, 10), packet(3, 70_000)]);
    expect(new PacketBoundaries().overLimit(stream, 65_536)).toBe(70_000);
  });

  it('reads a header split across chunks, byte by byte', () => {
    const boundaries = new PacketBoundaries();
    const stream = Buffer.concat([packet(3, 300), fixedHeader(1, 268_435_455)]);
    const found = [...stream].map((byte) => boundaries.overLimit(Buffer.from([byte]), 65_536));
    expect(found.filter((x) => x !== undefined)).toEqual([268_435_455]);
  });

  it('skips a body that spans chunks without mistaking its bytes for a header', () => {
    const boundaries = new PacketBoundaries();
    const body = packet(3, 200_000);
    body.fill(0xff, 4); // 0xff bytes would read as a huge remaining length if taken for a header
    for (let i = 0; i < body.length; i += 1000)
      expect(boundaries.overLimit(body.subarray(i, i + 1000), 250_000)).toBeUndefined();
    expect(boundaries.overLimit(fixedHeader(3, 300_000), 250_000)).toBe(300_000);
  });

  it('counts a remaining length longer than 4 bytes as too large', () => {
    const notMqtt = Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(new PacketBoundaries().overLimit(notMqtt, 65_536)).toBeGreaterThan(268_435_455);
  });
});
