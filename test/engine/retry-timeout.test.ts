/** Retries (constant, exponential, random; maxAttempts, maxDuration, warningOnRetry) and timeouts. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { compileRetry } from '../../runtime/engine/retry.js';
import { type EngineFixture, engineFixture } from '../support/engine.js';

let fx: EngineFixture;
beforeEach(() => {
  fx = engineFixture();
});
afterEach(async () => {
  await fx.close();
});

/** A shell command that fails until it has been run `n` times (counted in `dir`). */
const failUntil = (n: number) =>
  `c=$(cat "{{ inputs.dir }}/count" 2>/dev/null || echo 0); c=$((c+1)); echo $c > "{{ inputs.dir }}/count"; test $c -ge ${n}`;

const scratch = () => mkdtempSync(join(tmpdir(), 'tern-retry-'));

describe('retry policies', () => {
  it('exhausts maxAttempts, counting the first attempt, then fails', async () => {
    const r = await fx.run(`
id: exhaust
namespace: test
tasks:
  - id: flaky
    type: shell
    commands: ['exit 3']
    retry: { type: constant, interval: PT0.01S, maxAttempts: 3 }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('flaky').attempts.map((a) => a.state)).toEqual(['FAILED', 'FAILED', 'FAILED']);
  });

  it('succeeds on a later attempt', async () => {
    const dir = scratch();
    const r = await fx.run(
      `
id: later
namespace: test
inputs: [{ id: dir, type: STRING }]
tasks:
  - id: flaky
    type: shell
    commands: ['${failUntil(3)}']
    retry: { type: constant, interval: PT0.01S, maxAttempts: 5 }
`,
      { inputs: { dir } },
    );
    expect(r.run('flaky').state).toBe('SUCCESS');
    expect(r.run('flaky').attempts).toHaveLength(3);
    expect(readFileSync(join(dir, 'count'), 'utf8').trim()).toBe('3');
  });

  it('ends WARNING with warningOnRetry when retries were needed', async () => {
    const r = await fx.run(
      `
id: warn
namespace: test
inputs: [{ id: dir, type: STRING }]
tasks:
  - id: flaky
    type: shell
    commands: ['${failUntil(2)}']
    retry: { type: constant, interval: PT0.01S, maxAttempts: 3, warningOnRetry: true }
`,
      { inputs: { dir: scratch() } },
    );
    expect(r.run('flaky').state).toBe('WARNING');
    expect(r.execution.state).toBe('WARNING');
  });

  it('gives up when the next delay would pass maxDuration', async () => {
    const r = await fx.run(`
id: maxdur
namespace: test
tasks:
  - id: flaky
    type: shell
    commands: ['exit 1']
    retry: { type: constant, interval: PT1S, maxDuration: PT0.5S, maxAttempts: 10 }
`);
    expect(r.run('flaky').attempts).toHaveLength(1);
    expect(r.run('flaky').state).toBe('FAILED');
  });

  it('accepts Kestra’s maxAttempt spelling', () => {
    expect(compileRetry({ type: 'constant', interval: 'PT1S', maxAttempt: 4 }).maxAttempts).toBe(4);
  });

  it('grows exponential delays by delayFactor up to maxInterval', () => {
    const p = compileRetry({
      type: 'exponential',
      interval: 'PT1S',
      delayFactor: 2,
      maxInterval: 'PT5S',
      maxAttempts: 6,
    });
    expect([2, 3, 4, 5].map((n) => p.delayMs(n))).toEqual([1000, 2000, 4000, 5000]);
  });

  it('draws random delays between minInterval and maxInterval', () => {
    const low = compileRetry({ type: 'random', minInterval: 'PT1S', maxInterval: 'PT3S' }, () => 0);
    const high = compileRetry({ type: 'random', minInterval: 'PT1S', maxInterval: 'PT3S' }, () => 0.999);
    expect(low.delayMs(2)).toBe(1000);
    expect(high.delayMs(2)).toBeGreaterThan(2990);
    expect(high.delayMs(2)).toBeLessThanOrEqual(3000);
  });

  it('retries a Fail task as any other failure, as Kestra does', async () => {
    const r = await fx.run(`
id: failretry
namespace: test
tasks:
  - id: f
    type: fail
    retry: { type: constant, interval: PT0.01S, maxAttempts: 3 }
`);
    expect(r.run('f').attempts.map((a) => a.state)).toEqual(['FAILED', 'FAILED', 'FAILED']);
    expect(r.execution.state).toBe('FAILED');
  });
});

describe('timeouts', () => {
  it('kills a timed-out shell task together with its child processes', async () => {
    const dir = scratch();
    const r = await fx.run(
      `
id: slow
namespace: test
inputs: [{ id: dir, type: STRING }]
tasks:
  - id: sleeper
    type: shell
    timeout: PT0.5S
    commands:
      - 'sleep 300 & echo $! > "{{ inputs.dir }}/child.pid"; sleep 300'
`,
      { inputs: { dir } },
    );
    expect(r.run('sleeper').state).toBe('FAILED');
    expect(r.run('sleeper').attempts[0]?.error).toMatch(/timed out after PT0.5S/);
    const pid = Number(readFileSync(join(dir, 'child.pid'), 'utf8'));
    await vi.waitFor(() => expect(alive(pid)).toBe(false), { timeout: 5000, interval: 50 });
  });

  it('retries an attempt that timed out', async () => {
    const r = await fx.run(`
id: slowretry
namespace: test
tasks:
  - id: sleeper
    type: shell
    timeout: PT0.2S
    retry: { type: constant, interval: PT0.01S, maxAttempts: 2 }
    commands: ['sleep 30']
`);
    expect(r.run('sleeper').attempts).toHaveLength(2);
    expect(r.run('sleeper').state).toBe('FAILED');
  });

  it('fails the execution when the flow timeout passes, and still runs finally', async () => {
    const r = await fx.run(`
id: flowtimeout
namespace: test
timeout: PT0.5S
tasks:
  - { id: sleeper, type: shell, commands: ['sleep 30'] }
  - { id: never, type: log, message: never }
finally:
  - { id: cleanup, type: log, message: cleaned }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('sleeper').error).toMatch(/flow timed out after PT0.5S/);
    expect(r.taskRuns.some((t) => t.taskId === 'never')).toBe(false);
    expect(r.run('cleanup').state).toBe('SUCCESS');
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
