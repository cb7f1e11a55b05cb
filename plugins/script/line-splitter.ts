/** Splits a byte stream into text lines as the bytes arrive, with a bound on line length. */
import { StringDecoder } from 'node:string_decoder';
import { capLogMessage, MAX_LOG_LINE_BYTES } from '../../protocol/log-cap.js';

/**
 * Longest line held while it arrives, in characters. The rest of a longer
 * line is only counted, and the line is cut to the log line cap (64 KiB) with
 * a marker saying how many bytes were dropped.
 */
export const MAX_LINE_LENGTH = 64 * 1024;

/**
 * Longest `::{...}::` data line accepted, in characters. Outputs can be larger
 * than a log line, but an unbounded buffer would let one runaway line exhaust
 * the agent's memory.
 */
export const MAX_DATA_LINE_LENGTH = 8 * 1024 * 1024;

/**
 * Turns chunks into lines and hands each one to `onLine` as soon as its
 * newline arrives; `end()` delivers a last line that has no newline. `\r\n`
 * endings lose their `\r`. UTF-8 sequences split across chunks are joined.
 *
 * @example
 * const s = new LineSplitter((line) => console.log(line));
 * s.push(Buffer.from('a\nb')); // logs 'a'
 * s.end();                     // logs 'b'
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  /** True while skipping the rest of a line that was already cut. */
  private dropping = false;
  /** UTF-8 bytes of the current line skipped so far. */
  private dropped = 0;
  private ended = false;

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer | string): void {
    if (this.ended) return;
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', start);
      if (newline === -1) {
        this.append(text.slice(start));
        return;
      }
      this.append(text.slice(start, newline));
      this.completeLine();
      start = newline + 1;
    }
  }

  /** Flushes the decoder and delivers a final line lacking its newline. */
  end(): void {
    if (this.ended) return;
    const rest = this.decoder.end();
    if (rest) this.push(rest);
    this.ended = true;
    if (this.pending.length > 0) this.completeLine();
  }

  private append(piece: string): void {
    if (piece.length === 0) return;
    if (this.dropping) {
      this.dropped += Buffer.byteLength(piece);
      return;
    }
    this.pending += piece;
    const limit = this.pending.startsWith('::') ? MAX_DATA_LINE_LENGTH : MAX_LINE_LENGTH;
    if (this.pending.length > limit) {
      // Only the start is kept: the line is delivered, cut and marked, when it ends.
      this.dropped = Buffer.byteLength(this.pending.slice(MAX_LINE_LENGTH));
      this.pending = this.pending.slice(0, MAX_LINE_LENGTH);
      this.dropping = true;
    }
  }

  private completeLine(): void {
    if (this.dropping) this.onLine(capLogMessage(this.pending, MAX_LOG_LINE_BYTES, this.dropped));
    else this.onLine(this.pending.endsWith('\r') ? this.pending.slice(0, -1) : this.pending);
    this.pending = '';
    this.dropping = false;
    this.dropped = 0;
  }
}
