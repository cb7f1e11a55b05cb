/** Kestra's retry semantics as its own retry test flows exercise them, written in Kestra's syntax. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type EngineFixture, engineFixture } from '../support/engine.js';

let fx: EngineFixture;
beforeEach(() => {
  fx = engineFixture();
});
afterEach(async () => {
  await fx.close();
});

describe('taskrun.attemptsCount', () => {
  it('counts the attempts with the running one included, so a task can succeed on its third', async () => {
    const r = await fx.run(`
id: third_time_lucky
namespace: io.kestra.tests
tasks:
  - id: flaky
    type: io.kestra.plugin.core.log.Log
    message: "{{ taskrun.attemptsCount == 3 ? 'third attempt' : undefinedOnPurpose }}"
    retry:
      type: constant
      interval: PT0.05S
      maxAttempts: 5
      warningOnRetry: true
`);
    expect(r.execution.state).toBe('WARNING');
    expect(r.run('flaky').attempts.map((a) => a.state)).toEqual(['FAILED', 'FAILED', 'SUCCESS']);
  });

  it('is 1 on a first attempt and 0 in runIf, before any attempt exists', async () => {
    const r = await fx.run(`
id: first_attempt
namespace: io.kestra.tests
tasks:
  - id: first
    type: io.kestra.plugin.core.debug.Return
    runIf: "{{ taskrun.attemptsCount == 0 }}"
    format: "{{ taskrun.attemptsCount }}"
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('first').outputs.value).toBe('1');
  });
});

describe('retry declared on a flowable task', () => {
  it('gives each failed child, in every iteration, the attempts of the policy', async () => {
    const r = await fx.run(`
id: retry_each_child
namespace: io.kestra.tests
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: ["a", "b"]
    concurrencyLimit: 0
    retry:
      type: constant
      interval: PT0.05S
      maxAttempts: 3
    tasks:
      - id: boom
        type: io.kestra.plugin.core.execution.Fail
`);
    expect(r.execution.state).toBe('FAILED');
    const booms = r.taskRuns.filter((t) => t.taskId === 'boom');
    expect(booms.map((t) => t.value).sort()).toEqual(['a', 'b']);
    for (const boom of booms) expect(boom.attempts).toHaveLength(3);
  });

  it("runs the flowable's errors before the retry, and drops them when the retried child succeeds", async () => {
    const r = await fx.run(`
id: repaired_by_errors
namespace: io.kestra.tests
tasks:
  - id: reset
    type: io.kestra.plugin.core.kv.Set
    key: repaired_by_errors
    value: "0"
    kvType: NUMBER
  - id: guarded
    type: io.kestra.plugin.core.flow.AllowFailure
    retry:
      type: constant
      interval: PT0.05S
      maxAttempts: 4
    tasks:
      - id: needs_two
        type: io.kestra.plugin.core.execution.Fail
        condition: "{{ kv('repaired_by_errors') < 2 }}"
    errors:
      - id: repair
        type: io.kestra.plugin.core.kv.Set
        key: repaired_by_errors
        value: "{{ kv('repaired_by_errors') + 1 }}"
        kvType: NUMBER
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('guarded').state).toBe('SUCCESS');
    expect(r.run('needs_two').attempts.map((a) => a.state)).toEqual(['FAILED', 'FAILED', 'SUCCESS']);
    expect(r.taskRuns.some((t) => t.taskId === 'repair')).toBe(false);
  });
});

describe('restart', () => {
  it('reads runIf again on a restarted task run, where attemptsCount counts its earlier attempt', async () => {
    const failed = await fx.run(`
id: first_try_only
namespace: io.kestra.tests
tasks:
  - id: only_first
    type: io.kestra.plugin.core.execution.Fail
    runIf: "{{ taskrun.attemptsCount == 0 }}"
`);
    expect(failed.execution.state).toBe('FAILED');
    const restarted = await fx.engine.restart(failed.execution.id);
    await fx.engine.wait(restarted.id);
    const r = await fx.finished(restarted.id);
    expect(r.run('only_first').state).toBe('SKIPPED');
    expect(r.run('only_first').attempts.map((a) => a.state)).toEqual(['FAILED', 'SKIPPED']);
    expect(r.execution.state).toBe('SUCCESS');
  });
});

describe('retry behavior CREATE_NEW_EXECUTION with maxDuration', () => {
  it('counts maxDuration from the first execution, and fails once a new one would start past it', async () => {
    const first = await fx.run(`
id: anew_within
namespace: io.kestra.tests
retry:
  behavior: CREATE_NEW_EXECUTION
  type: constant
  interval: PT0.4S
  maxDuration: PT1S
tasks:
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
`);
    expect(first.execution.state).toBe('RETRIED');
    await vi.waitFor(
      async () => {
        const failed = await fx.store.listExecutionsByState(['FAILED']);
        expect(failed.filter((e) => e.flowId === 'anew_within')).toHaveLength(1);
      },
      { timeout: 30_000, interval: 100 },
    );
    const retried = await fx.store.listExecutionsByState(['RETRIED']);
    const chain = retried.filter((e) => e.flowId === 'anew_within');
    // 0.4 s apart, within 1 s of the first start: the first and one or two more, never an endless chain.
    expect(chain.length).toBeGreaterThanOrEqual(1);
    expect(chain.length).toBeLessThanOrEqual(2);
    for (const e of chain) expect(e.originalId).toBe(first.execution.id);
  });
});
