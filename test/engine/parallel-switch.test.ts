/** Kestra's Parallel `failFast` and a Switch with nothing to run, on the real engine. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EngineFixture, engineFixture } from '../support/engine.js';

let fx: EngineFixture;
beforeEach(() => {
  fx = engineFixture();
});
afterEach(async () => {
  await fx.close();
});

describe('parallel failFast', () => {
  it('stops the siblings still running when one fails: they end KILLED, errors and finally run', async () => {
    const r = await fx.run(`
id: fail-fast
namespace: test
tasks:
  - id: together
    type: io.kestra.plugin.core.flow.Parallel
    failFast: true
    tasks:
      - id: broken
        type: io.kestra.plugin.core.execution.Fail
        errorMessage: broken on purpose
      - id: long
        type: io.kestra.plugin.core.flow.Sleep
        duration: PT60S
    errors:
      - { id: on-error, type: log, message: cleanup }
    finally:
      - { id: always, type: log, message: always }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('together').state).toBe('FAILED');
    expect(r.run('broken').state).toBe('FAILED');
    expect(r.run('long').state).toBe('KILLED');
    expect(r.run('on-error').state).toBe('SUCCESS');
    expect(r.run('always').state).toBe('SUCCESS');
    // Stopped, not slept through: the execution ends well before the sleep's minute.
    expect(Date.parse(r.execution.endDate!) - Date.parse(r.execution.startDate)).toBeLessThan(50_000);
  });

  it('does not stop the siblings for a task allowed to fail', async () => {
    const r = await fx.run(`
id: fail-fast-allowed
namespace: test
tasks:
  - id: together
    type: parallel
    failFast: true
    tasks:
      - { id: broken, type: fail, allowFailure: true }
      - { id: nap, type: sleep, duration: PT0.3S }
`);
    expect(r.execution.state).toBe('WARNING');
    expect(r.run('nap').state).toBe('SUCCESS');
  });

  it('lets the siblings finish without failFast', async () => {
    const r = await fx.run(`
id: no-fail-fast
namespace: test
tasks:
  - id: together
    type: parallel
    tasks:
      - { id: broken, type: fail }
      - { id: nap, type: sleep, duration: PT0.3S }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('nap').state).toBe('SUCCESS');
  });
});

describe('switch with nothing to run', () => {
  it('fails when no case matches and there are no defaults, naming the value', async () => {
    const r = await fx.run(`
id: no-case
namespace: test
tasks:
  - id: route
    type: io.kestra.plugin.core.flow.Switch
    value: "{{ 'elsewhere' }}"
    cases:
      here:
        - { id: hit, type: log, message: here }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('route').state).toBe('FAILED');
    expect(r.run('route').error).toContain("no case matches the value 'elsewhere'");
  });
});
