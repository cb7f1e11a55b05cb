/** The `::{...}::` protocol: which lines carry data, and what the consumer does with each line. */
import { describe, expect, it } from 'vitest';
import { testContext } from '../../test/support/task-context.js';
import { parseLine, ScriptLineConsumer } from './log-protocol.js';

describe('parseLine', () => {
  it('treats ordinary output as text', () => {
    expect(parseLine('hello :: world')).toEqual({ kind: 'text' });
  });

  it('treats a line that only starts with :: as text', () => {
    expect(parseLine('::{"outputs":{}}:: trailing')).toEqual({ kind: 'text' });
  });

  it('reads outputs, logs and metrics from a data line', () => {
    const line =
      '::{"outputs":{"n":1},"logs":[{"level":"WARNING","message":"careful"}],"metrics":[{"name":"rows","type":"counter","value":3}]}::';
    expect(parseLine(line)).toEqual({
      kind: 'data',
      outputs: { n: 1 },
      logs: [{ level: 'WARN', message: 'careful' }],
      metrics: [{ name: 'rows', type: 'counter', value: 3, tags: {} }],
    });
  });

  it('reports broken JSON in a data line', () => {
    expect(parseLine('::{"outputs": nope}::').kind).toBe('invalid');
  });

  it('rejects outputs that are not an object', () => {
    expect(parseLine('::{"outputs": [1, 2]}::').kind).toBe('invalid');
  });
});

describe('ScriptLineConsumer', () => {
  it('logs stdout at INFO and stderr at ERROR', () => {
    const ctx = testContext();
    const consumer = new ScriptLineConsumer(ctx.logger);
    consumer.accept('stdout', 'to stdout');
    consumer.accept('stderr', 'to stderr');
    expect(ctx.lines).toEqual([
      { level: 'INFO', message: 'to stdout' },
      { level: 'ERROR', message: 'to stderr' },
    ]);
  });

  it('merges outputs across lines without logging them', () => {
    const ctx = testContext();
    const consumer = new ScriptLineConsumer(ctx.logger);
    consumer.accept('stdout', '::{"outputs":{"a":1,"b":1}}::');
    consumer.accept('stdout', '::{"outputs":{"b":2}}::');
    expect(consumer.vars).toEqual({ a: 1, b: 2 });
    expect(ctx.lines).toEqual([]);
  });

  it('logs the entries of a logs line at their own level', () => {
    const ctx = testContext();
    const consumer = new ScriptLineConsumer(ctx.logger);
    consumer.accept(
      'stderr',
      '::{"logs":[{"level":"DEBUG","message":"d"},{"level":"ERROR","message":"e"}]}::',
    );
    expect(ctx.lines).toEqual([
      { level: 'DEBUG', message: 'd' },
      { level: 'ERROR', message: 'e' },
    ]);
  });

  it('logs a broken data line as text with a warning', () => {
    const ctx = testContext();
    const consumer = new ScriptLineConsumer(ctx.logger);
    consumer.accept('stdout', '::{broken}::');
    expect(ctx.lines[0]).toEqual({ level: 'INFO', message: '::{broken}::' });
    expect(ctx.lines[1]?.level).toBe('WARN');
  });

  it('does not let a __proto__ key change the outputs object', () => {
    const consumer = new ScriptLineConsumer(testContext().logger);
    consumer.accept('stdout', '::{"outputs":{"__proto__":{"polluted":true},"ok":1}}::');
    expect(Object.getPrototypeOf(consumer.vars)).toBe(Object.prototype);
    expect(consumer.vars).toEqual({ ok: 1 });
  });

  it('counts stderr lines, data lines included', () => {
    const consumer = new ScriptLineConsumer(testContext().logger);
    consumer.accept('stderr', 'one');
    consumer.accept('stderr', '::{"logs":[{"level":"WARN","message":"two"}]}::');
    consumer.accept('stdout', 'three');
    expect(consumer.stderrLines).toBe(2);
  });
});
