/** Restart (failed task runs again, same execution) and replay (new execution from a chosen task). */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EngineFixture, engineFixture } from '../support/engine.js';

let fx: EngineFixture;
beforeEach(() => {
  fx = engineFixture();
});
afterEach(async () => {
  await fx.close();
});

/** A flow whose `gate` task fails until a file exists. */
const gated = `
id: gated
namespace: test
inputs: [{ id: dir, type: STRING }]
tasks:
  - { id: first, type: output, values: { n: 1 } }
  - id: gate
    type: shell
    commands: ['test -f "{{ inputs.dir }}/open"']
  - { id: last, type: log, message: "after gate, first={{ outputs.first.values.n }}" }
errors:
  - { id: alert, type: log, message: failed }
finally:
  - { id: cleanup, type: log, message: done }
`;

describe('restart', () => {
  it('re-runs the failed task in the same execution, keeping what succeeded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tern-restart-'));
    const failed = await fx.run(gated, { inputs: { dir } });
    expect(failed.execution.state).toBe('FAILED');
    const firstId = failed.run('first').id;

    writeFileSync(join(dir, 'open'), '');
    const restarted = await fx.engine.restart(failed.execution.id);
    expect(restarted.id).toBe(failed.execution.id);
    await fx.engine.wait(restarted.id);
    const r = await fx.finished(restarted.id);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('first').id).toBe(firstId);
    expect(r.run('first').attempts).toHaveLength(1);
    expect(r.run('gate').attempts.map((a) => a.state)).toEqual(['FAILED', 'SUCCESS']);
    expect(r.run('last').state).toBe('SUCCESS');
    expect(r.taskRuns.some((t) => t.taskId === 'alert')).toBe(false);
    expect(r.taskRuns.filter((t) => t.taskId === 'cleanup')).toHaveLength(1);
  });

  it('runs afterExecution again once the restarted execution has ended, seeing its new state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tern-restart-'));
    const flow = `${gated.replace('id: gated', 'id: gated-after')}afterExecution:
  - { id: report, type: io.kestra.plugin.core.output.OutputValues, values: { state: "{{ execution.state }}" } }
`;
    const failed = await fx.run(flow, { inputs: { dir } });
    expect(failed.execution.state).toBe('FAILED');
    expect(failed.run('report').outputs.values).toEqual({ state: 'FAILED' });
    writeFileSync(join(dir, 'open'), '');
    const restarted = await fx.engine.restart(failed.execution.id);
    await fx.engine.wait(restarted.id);
    const r = await fx.finished(restarted.id);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.taskRuns.filter((t) => t.taskId === 'report')).toHaveLength(1);
    expect(r.run('report').outputs.values).toEqual({ state: 'SUCCESS' });
    expect(Date.parse(r.run('report').startDate)).toBeGreaterThanOrEqual(
      Date.parse(r.execution.endDate ?? ''),
    );
  });

  it('gives errorLogs() the ERROR lines logged before the restart as well as after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tern-restart-'));
    const flow = `
id: gated-errors
namespace: test
inputs: [{ id: dir, type: STRING }]
tasks:
  - { id: noted, type: io.kestra.plugin.core.log.Log, level: ERROR, message: noted before }
  - id: gate
    type: shell
    commands: ['test -f "{{ inputs.dir }}/open"']
errors:
  - { id: alert, type: log, message: "{% for e in errorLogs() %}{{ e.taskId }} {% endfor %}" }
`;
    const failed = await fx.run(flow, { inputs: { dir } });
    expect(failed.messages('alert')).toEqual(['noted gate ']);
    const restarted = await fx.engine.restart(failed.execution.id);
    await fx.engine.wait(restarted.id);
    const r = await fx.finished(restarted.id);
    expect(r.execution.state).toBe('FAILED');
    expect(r.messages('alert').at(-1)).toBe('noted gate gate ');
  });

  it('refuses to restart an execution that succeeded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tern-restart-'));
    writeFileSync(join(dir, 'open'), '');
    const ok = await fx.run(gated, { inputs: { dir } });
    await expect(fx.engine.restart(ok.execution.id)).rejects.toThrow(/only a failed or killed execution/);
  });
});

describe('replay', () => {
  it('creates a new execution that keeps task runs before the chosen task and records the original', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tern-replay-'));
    writeFileSync(join(dir, 'open'), '');
    const original = await fx.run(gated, { inputs: { dir } });
    const replayed = await fx.engine.replay(original.execution.id, 'gate');
    await fx.engine.wait(replayed.id);
    const r = await fx.finished(replayed.id);
    expect(r.execution.id).not.toBe(original.execution.id);
    expect(r.execution.originalId).toBe(original.execution.id);
    expect(r.execution.inputs).toEqual({ dir });
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('first').attempts[0]?.startDate).toBe(original.run('first').attempts[0]?.startDate);
    expect(r.run('gate').startDate > original.run('gate').startDate).toBe(true);
    expect(r.messages('last')).toEqual(['after gate, first=1']);
  });

  it('rejects a task that is not in the flow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tern-replay-'));
    const original = await fx.run(gated, { inputs: { dir } });
    expect(existsSync(join(dir, 'open'))).toBe(false);
    await expect(fx.engine.replay(original.execution.id, 'nope')).rejects.toThrow(
      /task 'nope' is not among the tasks/,
    );
  });
});
