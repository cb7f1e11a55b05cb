/** errorLogs() keeps an execution's newest ERROR lines within a line and a byte bound. */
import { describe, expect, it } from 'vitest';
import type { Execution, LogLine } from '../../protocol/execution.js';
import { ERROR_LOGS_MAX_BYTES, ERROR_LOGS_MAX_LINES, ErrorLines } from './error-logs.js';

const execution = { id: 'e1', namespace: 'ns', flowId: 'f' } as Execution;
const line = (message: string, level = 'ERROR'): LogLine =>
  ({
    executionId: 'e1',
    taskId: 't',
    taskRunId: 'tr',
    attempt: 1,
    level,
    message,
    timestamp: '2026-01-01T00:00:00.000Z',
  }) as LogLine;
const messages = (lines: ErrorLines) => lines.entries(execution).map((e) => e.message);

describe('ErrorLines', () => {
  it('keeps ERROR lines only, oldest first, as LogEntry fields', () => {
    const lines = new ErrorLines();
    lines.add(line('a'));
    lines.add(line('not kept', 'WARN'));
    lines.add(line('b'));
    expect(lines.entries(execution)[0]).toMatchObject({ namespace: 'ns', flowId: 'f', attemptNumber: 0 });
    expect(messages(lines)).toEqual(['a', 'b']);
  });

  it(`drops the oldest beyond ${ERROR_LOGS_MAX_LINES} lines`, () => {
    const lines = new ErrorLines();
    for (let i = 1; i <= 1000; i++) lines.add(line(`error ${i}`));
    const kept = messages(lines);
    expect(kept).toHaveLength(ERROR_LOGS_MAX_LINES);
    expect(kept[0]).toBe('error 901');
    expect(kept.at(-1)).toBe('error 1000');
  });

  it(`drops the oldest beyond ${ERROR_LOGS_MAX_BYTES} bytes of messages, always keeping the newest line`, () => {
    const lines = new ErrorLines();
    const big = 'x'.repeat(20 * 1024);
    for (let i = 0; i < 5; i++) lines.add(line(`${i}${big}`));
    expect(messages(lines).map((m) => m[0])).toEqual(['2', '3', '4']);
    lines.add(line('y'.repeat(ERROR_LOGS_MAX_BYTES * 2)));
    expect(messages(lines)).toHaveLength(1);
    expect(messages(lines)[0]?.length).toBe(ERROR_LOGS_MAX_BYTES * 2);
  });

  it('puts lines stored before a restart ahead of those kept since, within the same bounds', () => {
    const lines = new ErrorLines();
    lines.add(line('after'));
    lines.addEarlier(
      Array.from({ length: 150 }, (_, i) => line(`before ${i + 1}`)).concat(line('info', 'INFO')),
    );
    const kept = messages(lines);
    expect(kept).toHaveLength(ERROR_LOGS_MAX_LINES);
    expect(kept[0]).toBe('before 52');
    expect(kept.at(-1)).toBe('after');
  });
});
