/** Kestra's Pause `onPause`: a task run as the pause starts, on the real engine. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EngineFixture, engineFixture } from '../support/engine.js';

let fx: EngineFixture;
beforeEach(() => {
  fx = engineFixture();
});
afterEach(async () => {
  await fx.close();
});

describe('pause onPause', () => {
  it('runs the onPause task as the pause starts, before the pause ends', async () => {
    const r = await fx.run(`
id: on-pause
namespace: test
tasks:
  - id: hold
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT0.3S
    onPause:
      id: notify
      type: io.kestra.plugin.core.log.Log
      message: "paused at {{ taskrun.startDate }}"
  - { id: after, type: log, message: went on }
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.taskRuns.map((t) => t.taskId)).toEqual(['hold', 'notify', 'after']);
    expect(r.run('notify').parentTaskRunId).toBe(r.run('hold').id);
    expect(Date.parse(r.run('notify').endDate!)).toBeLessThan(Date.parse(r.run('hold').endDate!));
  });

  it('fails the pause when the onPause task fails, without waiting', async () => {
    const r = await fx.run(`
id: on-pause-fails
namespace: test
tasks:
  - id: hold
    type: pause
    onPause: { id: broken, type: fail, errorMessage: cannot notify }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('hold').state).toBe('FAILED');
    expect(r.run('broken').state).toBe('FAILED');
  });
});
