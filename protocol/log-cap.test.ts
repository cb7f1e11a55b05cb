import { describe, expect, it } from 'vitest';
import { capLogMessage, MAX_LOG_LINE_BYTES } from './log-cap.js';

/** The kept text and the dropped byte count of a cut message. */
function parts(message: string): { kept: string; dropped: number } {
  const match = /^([\s\S]*) … \[truncated (\d+) bytes\]$/.exec(message);
  if (!match) throw new Error('no truncation marker');
  return { kept: match[1]!, dropped: Number(match[2]) };
}

describe('capLogMessage', () => {
  it('leaves a message within the cap unchanged', () => {
    const full = 'x'.repeat(MAX_LOG_LINE_BYTES);
    expect(capLogMessage(full)).toBe(full);
    expect(capLogMessage('short')).toBe('short');
  });

  it('cuts a longer message to the cap, marker included, saying how many bytes were dropped', () => {
    const cut = capLogMessage('x'.repeat(1_000_000));
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    expect(Buffer.byteLength(cut)).toBeGreaterThan(MAX_LOG_LINE_BYTES - 32);
    const { kept, dropped } = parts(cut);
    expect(kept.length + dropped).toBe(1_000_000);
  });

  it('cuts at a character boundary, never inside a multi-byte character', () => {
    for (let shift = 0; shift < 4; shift++) {
      const message = 'a'.repeat(shift) + '€😀'.repeat(1000);
      const cut = capLogMessage(message, 1000);
      const { kept, dropped } = parts(cut);
      expect(kept).not.toContain('\uFFFD');
      expect(message.startsWith(kept)).toBe(true);
      expect(Buffer.byteLength(kept) + dropped).toBe(Buffer.byteLength(message));
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(1000);
    }
  });

  it('marks bytes dropped earlier even when the rest fits', () => {
    expect(capLogMessage('start', 1000, 12)).toBe('start … [truncated 12 bytes]');
  });
});
