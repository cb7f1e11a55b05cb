/** Log lines made by an execution are capped in size where they are made, on an agent's engine and SQLite store. */
import { afterEach, expect, it } from 'vitest';
import { MAX_LOG_LINE_BYTES } from '../../protocol/log-cap.js';
import { type EngineFixture, engineFixture } from '../support/engine.js';

const FLOW = `
id: chatty
namespace: t
inputs:
  - id: text
    type: STRING
tasks:
  - id: say
    type: log
    message: "{{ inputs.text }}"
`;

let fx: EngineFixture;
afterEach(() => fx.close());

it('stores a 1 MB log message cut to 64 KiB, ending with how many bytes were dropped', async () => {
  fx = engineFixture();
  const text = 'y'.repeat(1_000_000);
  const r = await fx.run(FLOW, { inputs: { text } });
  expect(r.execution.state).toBe('SUCCESS');
  const [message] = r.messages('say');
  expect(Buffer.byteLength(message!)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
  const [, kept, dropped] = /^(y+) … \[truncated (\d+) bytes\]$/.exec(message!) ?? [];
  expect(kept!.length + Number(dropped)).toBe(text.length);
});

it('keeps a message of exactly 64 KiB whole', async () => {
  fx = engineFixture();
  const text = 'z'.repeat(MAX_LOG_LINE_BYTES);
  const r = await fx.run(FLOW, { inputs: { text } });
  expect(r.messages('say')).toEqual([text]);
});
