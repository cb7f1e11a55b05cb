/**
 * A task that ignores its abort signal: kill, a flow timeout and a task timeout
 * each give up on it after the engine's grace period, and the execution ends.
 */
import { Type as T } from '@sinclair/typebox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtinTasks, builtinTriggers } from '../../plugins/index.js';
import { createRegistry } from '../../plugins/registry.js';
import { defineTask } from '../../protocol/plugin.js';
import { type EngineFixture, engineFixture } from '../support/engine.js';

const GRACE_MS = 300;

let started: (() => void) | undefined;

/** Never settles and never looks at `ctx.signal`. */
const stubborn = defineTask({
  type: 'test.stubborn',
  title: 'Stubborn',
  description: 'Waits forever, ignoring aborts.',
  properties: T.Object({}),
  run() {
    started?.();
    return new Promise<never>(() => {});
  },
});

let fx: EngineFixture;
beforeEach(() => {
  fx = engineFixture({
    registry: createRegistry([...builtinTasks, stubborn], builtinTriggers),
    killGraceMs: GRACE_MS,
  });
});
afterEach(async () => {
  await fx.close();
});

const flow = (extra: string) => `
id: stubborn
namespace: test
${extra}
tasks:
  - id: wait
    type: test.stubborn
`;

/** Starts the flow, waits for the task to start, applies `abort`, and returns the ended execution with the time from abort to end. */
async function abortedAfterStart(yaml: string, abort: (id: string) => void) {
  const running = new Promise<void>((resolve) => {
    started = resolve;
  });
  const execution = await fx.engine.start(fx.flow(yaml));
  await running;
  const t0 = performance.now();
  abort(execution.id);
  const ended = await fx.engine.wait(execution.id);
  return { ended: await fx.finished(ended.id), ms: performance.now() - t0 };
}

describe('a task that ignores its abort signal', () => {
  it('is given up on after the grace period when the execution is killed', async () => {
    const { ended, ms } = await abortedAfterStart(flow(''), (id) => fx.engine.kill(id));
    expect(ended.execution.state).toBe('KILLED');
    expect(ended.run('wait').state).toBe('KILLED');
    expect(ms).toBeGreaterThanOrEqual(GRACE_MS - 5);
  });

  it('is given up on after the grace period when the flow times out', async () => {
    const { ended } = await abortedAfterStart(flow('timeout: PT0.2S'), () => {});
    expect(ended.execution.state).toBe('FAILED');
    expect(ended.run('wait').state).toBe('FAILED');
    expect(ended.run('wait').error).toContain('flow timed out after PT0.2S');
  });

  it('is given up on after the grace period when the task times out', async () => {
    const yaml = flow('').replace('type: test.stubborn', 'type: test.stubborn\n    timeout: PT0.2S');
    const { ended } = await abortedAfterStart(yaml, () => {});
    expect(ended.execution.state).toBe('FAILED');
    expect(ended.run('wait').error).toContain('task timed out after PT0.2S');
  });
});
