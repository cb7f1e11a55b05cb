/** Kestra's SetVariables and UnsetVariables: the running execution's `vars`, changed by its tasks, on the real engine. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EngineFixture, engineFixture } from '../support/engine.js';

let fx: EngineFixture;
beforeEach(() => {
  fx = engineFixture();
});
afterEach(async () => {
  await fx.close();
});

describe('execution.setVariables', () => {
  it("adds and replaces variables beside the flow's, rendered to text, for the tasks after it", async () => {
    const r = await fx.run(
      `
id: set-vars
namespace: test
variables:
  site: depot
  limits: { low: 1, high: 9 }
inputs:
  - { id: version, type: STRING }
tasks:
  - id: set
    type: io.kestra.plugin.core.execution.SetVariables
    variables:
      site: harbour
      stable: "{{ inputs.version | startsWith('2.') }}"
      limits: { high: 12 }
      count: 3
  - id: show
    type: io.kestra.plugin.core.debug.Return
    format: "{{ vars.site }} {{ vars.stable }} {{ vars.limits.low }}-{{ vars.limits.high }} {{ vars.count + 1 }}"
`,
      { inputs: { version: '2.4.1' } },
    );
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('show').outputs.value).toBe('harbour true 1-12 4');
    expect(r.execution.variables).toMatchObject({ site: 'harbour', stable: 'true', count: 3 });
  });

  it('fails, naming them, when overwrite is false and a variable exists', async () => {
    const r = await fx.run(`
id: set-vars-once
namespace: test
variables: { site: depot }
tasks:
  - id: set
    type: io.kestra.plugin.core.execution.SetVariables
    overwrite: false
    variables: { site: harbour, fresh: yes }
  - { id: never, type: log, message: never }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.taskRuns).toHaveLength(1);
    expect(r.run('set').error).toContain('the following variables already exist: site');
  });
});

describe('execution.unsetVariables', () => {
  it('removes variables and keys of map variables; later tasks no longer see them', async () => {
    const r = await fx.run(`
id: unset-vars
namespace: test
variables:
  token: secret-ish
  config: { port: 8080, host: edge }
tasks:
  - id: forget
    type: io.kestra.plugin.core.execution.UnsetVariables
    variables: [token, config.port, not-there]
  - id: show
    type: io.kestra.plugin.core.debug.Return
    format: "{{ vars.token ?? 'gone' }} {{ vars.config.port ?? 'no port' }} {{ vars.config.host }}"
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('show').outputs.value).toBe('gone no port edge');
  });

  it('fails for a dotted name whose map is missing, unless ignoreMissing', async () => {
    const flow = (ignore: boolean) => `
id: unset-missing-${ignore}
namespace: test
tasks:
  - id: forget
    type: io.kestra.plugin.core.execution.UnsetVariables
    ignoreMissing: ${ignore}
    variables: [config.port]
`;
    const failed = await fx.run(flow(false));
    expect(failed.execution.state).toBe('FAILED');
    expect(failed.run('forget').error).toContain("cannot unset 'config.port'");
    expect((await fx.run(flow(true))).execution.state).toBe('SUCCESS');
  });
});
