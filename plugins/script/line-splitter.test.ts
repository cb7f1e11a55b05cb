/** LineSplitter: lines as they arrive, the last line without a newline, and the length bound. */
import { describe, expect, it } from 'vitest';
import { MAX_LOG_LINE_BYTES } from '../../protocol/log-cap.js';
import { LineSplitter, MAX_LINE_LENGTH } from './line-splitter.js';

function splitter() {
  const lines: string[] = [];
  return { lines, s: new LineSplitter((line) => lines.push(line)) };
}

describe('LineSplitter', () => {
  it('delivers a line as soon as its newline arrives', () => {
    const { lines, s } = splitter();
    s.push(Buffer.from('first\nsec'));
    expect(lines).toEqual(['first']);
    s.push(Buffer.from('ond\n'));
    expect(lines).toEqual(['first', 'second']);
  });

  it('delivers a last line that has no newline when the stream ends', () => {
    const { lines, s } = splitter();
    s.push(Buffer.from('a\nno newline'));
    s.end();
    expect(lines).toEqual(['a', 'no newline']);
  });

  it('keeps empty lines', () => {
    const { lines, s } = splitter();
    s.push(Buffer.from('a\n\nb\n'));
    s.end();
    expect(lines).toEqual(['a', '', 'b']);
  });

  it('drops the carriage return of CRLF endings', () => {
    const { lines, s } = splitter();
    s.push(Buffer.from('dos\r\nline\r\n'));
    expect(lines).toEqual(['dos', 'line']);
  });

  it('joins a UTF-8 character split across chunks', () => {
    const { lines, s } = splitter();
    const bytes = Buffer.from('température 21°C\n');
    const cut = bytes.indexOf(0xb0); // second byte of "°"
    s.push(bytes.subarray(0, cut));
    s.push(bytes.subarray(cut));
    expect(lines).toEqual(['température 21°C']);
  });

  it('cuts an over-long line to the log line cap, marks how many bytes were dropped, and resumes at the next line', () => {
    const { lines, s } = splitter();
    const long = 'x'.repeat(MAX_LINE_LENGTH + 1000);
    s.push(Buffer.from(long.slice(0, 40_000)));
    s.push(Buffer.from(`${long.slice(40_000)}\nnext\n`));
    const [cut, next] = lines;
    const [, kept, dropped] = /^(x+) … \[truncated (\d+) bytes\]$/.exec(cut!) ?? [];
    expect(kept!.length + Number(dropped)).toBe(long.length);
    expect(Buffer.byteLength(cut!)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    expect(next).toBe('next');
  });

  it('counts every dropped byte of a line far longer than it holds', () => {
    const { lines, s } = splitter();
    for (let i = 0; i < 100; i++) s.push(Buffer.from('é'.repeat(10_000)));
    s.end();
    const [line] = lines;
    expect(Buffer.byteLength(line!)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    const kept = line!.slice(0, line!.indexOf(' … '));
    const dropped = Number(/\[truncated (\d+) bytes\]$/.exec(line!)?.[1]);
    expect(Buffer.byteLength(kept) + dropped).toBe(2_000_000);
  });

  it('keeps a long ::{...}:: data line whole', () => {
    const { lines, s } = splitter();
    const data = `::{"outputs":{"blob":"${'y'.repeat(MAX_LINE_LENGTH * 2)}"}}::`;
    s.push(Buffer.from(`${data}\n`));
    expect(lines).toEqual([data]);
  });

  it('ignores data pushed after the end', () => {
    const { lines, s } = splitter();
    s.end();
    s.push(Buffer.from('late\n'));
    expect(lines).toEqual([]);
  });
});
