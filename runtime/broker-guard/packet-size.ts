/** Refuses an MQTT packet by the length its fixed header declares, before the broker buffers its body. */
import { type Duplex, PassThrough, type Readable } from 'node:stream';

/** A fixed header is at most 5 bytes: the type byte and up to 4 bytes of remaining length. */
export const MAX_FIXED_HEADER_BYTES = 5;

/** A client declared a packet longer than it may send; its connection is closed. */
export class PacketTooLarge extends Error {
  override name = 'PacketTooLarge';
  constructor(
    readonly declaredBytes: number,
    readonly limitBytes: number,
  ) {
    super(`packet of ${declaredBytes} bytes declared, above the limit of ${limitBytes}`);
  }
}

/**
 * Follows packet boundaries through a byte stream by reading only the fixed
 * headers (a type byte, then 1–4 bytes of remaining length) and skipping each
 * body, so it keeps no bytes however large the packets are.
 */
export class PacketBoundaries {
  /** Body bytes of the current packet not seen yet. */
  private bodyLeft = 0;
  /** True between a packet's type byte and the last byte of its remaining length. */
  private inLength = false;
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;

  /**
   * Reads the next chunk of the stream; returns the declared length of the
   * first packet longer than `limit` whose header completes in it, or
   * undefined. A remaining length that does not end within 4 bytes (not MQTT)
   * counts as too long.
   */
  overLimit(chunk: Uint8Array, limit: number): number | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.bodyLeft > 0) {
        const skipped = Math.min(this.bodyLeft, chunk.length - i);
        i += skipped;
        this.bodyLeft -= skipped;
        continue;
      }
      const byte = chunk[i++]!;
      if (!this.inLength) {
        this.inLength = true;
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      if (byte & 0x80) {
        if (this.lengthBytes === 4) return this.length + this.multiplier;
        continue;
      }
      this.inLength = false;
      if (this.length > limit) return this.length;
      this.bodyLeft = this.length;
    }
    return undefined;
  }
}

/** What {@link limitPacketSize} leaves the caller to decide later about the connection. */
export interface ReadTap {
  /** From now on, bytes the client sends are read and dropped: the broker sees nothing more from it. */
  mute(): void;
}

/**
 * Checks every chunk the broker reads from `conn` and destroys the connection
 * (with {@link PacketTooLarge}) as soon as a packet header declares more than
 * `limitOf()` bytes, before the broker sees that chunk. aedes pulls a
 * connection's bytes with `read()` as it parses them, so checking what
 * `read()` returns checks everything it parses, with no stream in between
 * (which measurably slowed every message, see docs/decisions/broker.md).
 *
 * Call it before handing `conn` to aedes; {@link assertReadsByPull} checks at
 * start that aedes still reads that way.
 *
 * @example
 * limitPacketSize(socket, () => (authenticated ? 1 << 20 : 64 << 10), (err) => log.warn({ err: err.message }));
 * aedes.handle(socket);
 */
export function limitPacketSize(
  conn: Readable,
  limitOf: () => number,
  onRefused: (err: PacketTooLarge) => void,
): ReadTap {
  const boundaries = new PacketBoundaries();
  const read = conn.read;
  let muted = false;
  conn.read = function readChecked(this: Readable, size?: number) {
    const chunk: unknown = read.call(this, size);
    if (!(chunk instanceof Uint8Array)) return chunk;
    if (muted) return null;
    const limit = limitOf();
    const declared = boundaries.overLimit(chunk, limit);
    if (declared === undefined) return chunk;
    const err = new PacketTooLarge(declared, limit);
    onRefused(err);
    this.destroy(err);
    return null;
  };
  return {
    mute() {
      muted = true;
    },
  };
}

/**
 * Hands a probe stream to `handle` (aedes' `handle`) and throws unless the
 * broker consumes it by `read()` alone, as {@link limitPacketSize} needs: a
 * broker upgrade that reads with a `data` listener or a pipe must fail at
 * start, not drop the limit silently.
 */
export function assertReadsByPull(handle: (conn: Duplex) => unknown): void {
  const probe = new PassThrough();
  handle(probe);
  const pulled = probe.listenerCount('readable') > 0 && probe.listenerCount('data') === 0;
  probe.destroy();
  if (!pulled)
    throw new Error(
      'the MQTT broker no longer reads connections with read(): packet size limits would not apply',
    );
}
