/** Splits a byte stream into text lines as the bytes arrive, with a bound on line length. */
import { StringDecoder } from 'node:string_decoder';

/** Longest log line kept whole, in characters; longer lines are cut and marked. */
export const MAX_LINE_LENGTH = 64 * 1024;

/**
 * Longest `::{...}::` data line accepted, in characters. Outputs can be larger
 * than a log line, but an unbounded buffer would let one runaway line exhaust
 * the agent's memory.
 */
export const MAX_DATA_LINE_LENGTH = 8 * 1024 * 1024;

/** Appended to a line that was cut at {@link MAX_LINE_LENGTH}. */
export const TRUNCATION_MARKER = ' … [line truncated]';

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
    if (this.dropping || piece.length === 0) return;
    this.pending += piece;
    const limit = this.pending.startsWith('::') ? MAX_DATA_LINE_LENGTH : MAX_LINE_LENGTH;
    if (this.pending.length > limit) {
      this.onLine(this.pending.slice(0, MAX_LINE_LENGTH) + TRUNCATION_MARKER);
      this.pending = '';
      this.dropping = true;
    }
  }

  private completeLine(): void {
    if (!this.dropping) {
      const line = this.pending.endsWith('\r') ? this.pending.slice(0, -1) : this.pending;
      this.onLine(line);
    }
    this.pending = '';
    this.dropping = false;
  }
}
