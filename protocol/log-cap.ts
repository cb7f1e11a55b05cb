/** The size cap of one log line: the engine cuts lines where they are made, the hub those agents send. */
import type { LogLine } from './execution.js';

/** Largest log message kept whole, in UTF-8 bytes; longer ones are cut and marked. */
export const MAX_LOG_LINE_BYTES = 64 * 1024;

/** What replaces the cut part, so a reader sees that the line was longer and by how much. */
export const truncationMarker = (droppedBytes: number): string => ` … [truncated ${droppedBytes} bytes]`;

/**
 * The message cut to at most `maxBytes` UTF-8 bytes, marker included, at a
 * character boundary. `droppedBytes` counts what was already cut before (a
 * stream that kept only the start of a line): with it, the marker is added
 * even when the rest fits. Anything else short enough comes back unchanged.
 *
 * @example capLogMessage('x'.repeat(100_000), 1024) // 998 × 'x' + ' … [truncated 99002 bytes]' (1024 bytes)
 */
export function capLogMessage(message: string, maxBytes = MAX_LOG_LINE_BYTES, droppedBytes = 0): string {
  // A UTF-16 unit takes at most 3 UTF-8 bytes: most lines need no encoding to know they fit.
  if (droppedBytes === 0 && message.length * 3 <= maxBytes) return message;
  const bytes = Buffer.from(message, 'utf8');
  if (droppedBytes === 0 && bytes.length <= maxBytes) return message;
  const total = bytes.length + droppedBytes;
  let keep = Math.min(bytes.length, Math.max(0, maxBytes - Buffer.byteLength(truncationMarker(total))));
  // Back off to the start of a character: continuation bytes are 10xxxxxx.
  while (keep > 0 && keep < bytes.length && ((bytes[keep] ?? 0) & 0xc0) === 0x80) keep--;
  return bytes.subarray(0, keep).toString('utf8') + truncationMarker(total - keep);
}

/** The line with its message capped; the same object when nothing was cut. */
export function capLogLine<L extends LogLine>(line: L, maxBytes = MAX_LOG_LINE_BYTES): L {
  const message = capLogMessage(line.message, maxBytes);
  return message === line.message ? line : { ...line, message };
}
