/** Expressions where a property wants a number, a boolean or a constrained string, as Kestra reads them. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../plugins/builtin.js';
import { parseFlow } from '../../runtime/flow-loader.js';
import { type EngineFixture, engineFixture } from '../support/engine.js';

let fx: EngineFixture;
beforeEach(() => {
  fx = engineFixture();
});
afterEach(async () => {
  await fx.close();
});

const FLOW = `
id: templated
namespace: test
inputs:
  - { id: limit, type: STRING, defaults: "2" }
tasks:
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [a, b, c]
    concurrencyLimit: "{{ inputs.limit }}"
    tasks:
      - { id: say, type: log, message: "{{ taskrun.value }}" }
  - id: poll
    type: io.kestra.plugin.core.flow.WaitFor
    condition: "{{ false }}"
    checkFrequency:
      maxIterations: "{{ inputs.limit }}"
      interval: PT0S
    tasks:
      - { id: pass, type: log, message: pass }
`;

describe('expressions in typed properties', () => {
  it('are accepted when the flow is loaded, and read as the type once rendered', async () => {
    const r = await fx.run(FLOW);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.messages('say').sort()).toEqual(['a', 'b', 'c']);
    // maxIterations "2", read as 2: limits are checked before the condition, so 3 passes.
    expect(r.run('poll').outputs.iterationCount).toBe(3);
  });

  it('fail the task, naming the property and what it rendered, when the value does not fit', async () => {
    const r = await fx.run(FLOW, { inputs: { limit: 'many' } });
    expect(r.execution.state).toBe('FAILED');
    const each = r.run('each');
    expect(each.state).toBe('FAILED');
    expect(JSON.stringify(each)).toContain("concurrencyLimit: must be an integer (rendered 'many')");
  });

  it('still refuses a literal that does not fit, with the same message as before', () => {
    const bad = FLOW.replace('concurrencyLimit: "{{ inputs.limit }}"', 'concurrencyLimit: many');
    const problems = parseFlow(bad, builtinRegistry()).problems.map((p) => `${p.path}: ${p.message}`);
    expect(problems).toEqual(['tasks[0].concurrencyLimit: must be an integer']);
  });
});
