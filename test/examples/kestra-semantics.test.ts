/** The flows examples/kestra/semantics-*.yml, in Kestra's syntax, run on the real engine: their states and outputs. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FlowRecord } from '../../runtime/engine/ports.js';
import { ROOT } from '../support/cli.js';
import { type EngineFixture, engineFixture, type Finished } from '../support/engine.js';

let fx: EngineFixture;
beforeAll(() => {
  fx = engineFixture();
});
afterAll(async () => {
  await fx.close();
});

const example = (name: string): FlowRecord =>
  fx.flow(readFileSync(join(ROOT, 'examples', 'kestra', `semantics-${name}.yml`), 'utf8'));
const run = (name: string, inputs?: Record<string, unknown>): Promise<Finished> =>
  fx.run(example(name), { inputs });

describe('examples/kestra/semantics-*.yml', () => {
  it('retry: a Fail task and a flowable task are retried until they pass', async () => {
    const r = await run('retry');
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('flaky').attempts.map((a) => a.state)).toEqual(['FAILED', 'FAILED', 'SUCCESS']);
    expect(r.run('group').attempts).toHaveLength(3);
    expect(r.run('check').attempts.map((a) => a.state)).toEqual(['FAILED', 'FAILED', 'SUCCESS']);
    expect(r.taskRuns.some((t) => t.taskId === 'count')).toBe(false);
    expect(r.execution.outputs).toEqual({ tries: 2 });
  });

  it('pause-approval: PAUSED until resumed, then the onResume inputs are outputs of the pause', async () => {
    const started = await fx.engine.start(example('pause-approval'));
    await vi.waitFor(() => expect(started.state).toBe('PAUSED'));
    fx.engine.resume(started.id, { approved: 'false', reason: 'team offsite' });
    const r = await fx.finished((await fx.engine.wait(started.id)).id);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.execution.outputs).toEqual({ approved: false });
    expect(r.messages('decision')).toEqual(['two days off: approved=false (team offsite)']);
  });

  it('pause-timeout: not resumed in time, the pause ends in WARNING and the flow goes on', async () => {
    const r = await run('pause-timeout');
    expect([r.run('pause').state, r.run('post_resume').state, r.execution.state]).toEqual([
      'WARNING',
      'SUCCESS',
      'WARNING',
    ]);
  });

  it('disabled: disabled tasks create no task run', async () => {
    const r = await run('disabled');
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.taskRuns.map((t) => t.taskId).sort()).toEqual(['branches', 'first', 'on']);
  });

  it('inputs: older spellings, bounds and item types, with their defaults', async () => {
    const r = await run('inputs');
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('summary').outputs.values).toEqual({
      colour: 'green',
      total: '6',
      size: '3 cm',
      day: '2026-06-01',
    });
    await expect(fx.engine.start(example('inputs'), { inputs: { day: '2031-01-01' } })).rejects.toMatchObject(
      {
        problems: [{ path: 'inputs.day', message: 'must be before 2030-12-31' }],
      },
    );
  });

  it('older-syntax: taskDefaults, PT0.25s, allowWarning, and errors on a flowable', async () => {
    const r = await run('older-syntax');
    expect(r.execution.state).toBe('WARNING');
    expect(r.logs.find((l) => l.taskId === 'note')?.level).toBe('WARN');
    expect(r.run('tolerated').state).toBe('SUCCESS');
    expect([r.run('branches').state, r.run('handler').outputs.value, r.run('guarded').state]).toEqual([
      'FAILED',
      'handled',
      'WARNING',
    ]);
    const settle = r.run('settle');
    expect(Date.parse(settle.endDate!) - Date.parse(settle.startDate)).toBeGreaterThanOrEqual(250);
  });

  it('variables: parents in nested loops, labels with system.correlationId, flow.revision', async () => {
    const r = await run('variables');
    expect(r.execution.state).toBe('SUCCESS');
    const where = r.taskRuns.filter((t) => t.taskId === 'where').map((t) => t.outputs.value);
    expect(where.sort()).toEqual(['north/a/1', 'south/a/1']);
    expect(r.run('ids').outputs.values).toEqual({ correlation: r.execution.id, team: 'data', revision: '1' });
  });

  it('sla: past its MAX_DURATION the execution is cancelled and labelled', async () => {
    const r = await run('sla');
    expect(r.execution.state).toBe('CANCELLED');
    expect(r.execution.labels).toMatchObject({ sla: 'miss', reason: 'durationExceeded' });
    expect(r.taskRuns.some((t) => t.taskId === 'never_executed_task')).toBe(false);
  });

  it('sla-assertion: an assertion false at the end fails the execution and labels it; true, it succeeds', async () => {
    const missed = await run('sla-assertion');
    expect([missed.execution.state, missed.execution.labels.sla]).toEqual(['FAILED', 'missed']);
    expect(missed.execution.error).toContain("SLA 'enough_rows' breached");
    const met = await run('sla-assertion', { rows: 12 });
    expect([met.execution.state, met.execution.labels.sla]).toEqual(['SUCCESS', undefined]);
  });
});
