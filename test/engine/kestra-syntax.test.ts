/** Syntax Kestra accepts (older spellings, durations as Java reads them) and flows it refuses, on the real loader and engine. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../plugins/builtin.js';
import { formatProblem } from '../../protocol/errors.js';
import { parseFlow } from '../../runtime/flow-loader.js';
import { type EngineFixture, engineFixture } from '../support/engine.js';

let fx: EngineFixture;
beforeEach(() => {
  fx = engineFixture();
});
afterEach(async () => {
  await fx.close();
});

const problems = (yaml: string) => parseFlow(yaml, builtinRegistry()).problems.map(formatProblem);

describe('older spellings Kestra still accepts', () => {
  it('taskDefaults, input name:, ENUM, defaults: null and a YAML input', async () => {
    const r = await fx.run(
      `
id: older
namespace: test
inputs:
  - name: colour
    type: ENUM
    values: [red, green]
    defaults: green
  - { id: note, type: STRING, required: false, defaults: null }
  - { id: settings, type: YAML }
taskDefaults:
  - type: io.kestra.plugin.core.log.Log
    values: { level: WARN }
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.colour }} {{ inputs.settings.size }}"
`,
      { inputs: { settings: 'size: 3\nunit: cm' } },
    );
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.execution.inputs).toMatchObject({
      colour: 'green',
      note: null,
      settings: { size: 3, unit: 'cm' },
    });
    expect(r.logs.find((l) => l.taskId === 'say')).toMatchObject({ level: 'WARN', message: 'green 3' });
  });

  it('durations with fractions and lower-case letters, as Java’s Duration.parse reads them', async () => {
    const r = await fx.run(`
id: durations
namespace: test
tasks:
  - { id: nap, type: pause, pauseDuration: PT0.25s }
  - id: slow
    type: log
    message: x
    timeout: pt1m
    retry: { type: constant, interval: PT0.01s, maxAttempts: 2 }
`);
    expect(r.execution.state).toBe('SUCCESS');
    const nap = r.run('nap');
    expect(Date.parse(nap.endDate!) - Date.parse(nap.startDate)).toBeGreaterThanOrEqual(250);
  });
});

describe('inputs validated as Kestra does', () => {
  const flow = `
id: bounded
namespace: test
inputs:
  - { id: day, type: DATE, after: "2024-01-01", before: "2024-12-31", required: false }
  - { id: at, type: DATETIME, after: "2024-01-01T00:00:00Z", required: false }
  - { id: time, type: TIME, before: "12:00:00", required: false }
  - { id: wait, type: DURATION, min: PT1M, max: PT1H, required: false }
  - { id: counts, type: ARRAY, itemType: INT, required: false }
tasks:
  - { id: a, type: log, message: x }
`;
  it('refuses dates outside after/before, durations outside min/max and array items of the wrong type', async () => {
    const record = fx.flow(flow);
    await expect(
      fx.engine.start(record, {
        inputs: {
          day: '2025-02-01',
          at: '2023-06-01T10:00:00Z',
          time: '13:00',
          wait: 'PT2H',
          counts: '[1, "x"]',
        },
      }),
    ).rejects.toMatchObject({
      problems: [
        { path: 'inputs.day', message: 'must be before 2024-12-31' },
        { path: 'inputs.at', message: 'must be after 2024-01-01T00:00:00Z' },
        { path: 'inputs.time', message: 'must be before 12:00:00' },
        { path: 'inputs.wait', message: 'must be at most PT1H' },
        { path: 'inputs.counts', message: "item 1: must be an integer, got 'x'" },
      ],
    });
  });

  it('reads array items as their itemType', async () => {
    const r = await fx.run(flow, { inputs: { counts: '["1", "2"]', day: '2024-06-01', wait: 'PT5M' } });
    expect(r.execution.inputs.counts).toEqual([1, 2]);
  });
});

describe('flows Kestra refuses', () => {
  it('a subflow that calls its own flow', () => {
    expect(
      problems(`
id: loop
namespace: test
tasks:
  - { id: again, type: io.kestra.plugin.core.flow.Subflow, namespace: test, flowId: loop }
`),
    ).toEqual([expect.stringContaining('a flow cannot call itself as a subflow (test.loop)')]);
  });

  it("Kestra's deprecated templates, saying what to use instead", () => {
    for (const type of ['io.kestra.plugin.core.flow.Template', 'io.kestra.core.tasks.flows.Template'])
      expect(
        problems(`
id: templated
namespace: test
tasks:
  - { id: t, type: ${type}, namespace: test, templateId: common, args: { forward: x } }
`),
      ).toEqual([
        expect.stringMatching(/templates .* are not supported: .*io\.kestra\.plugin\.core\.flow\.Subflow/),
      ]);
  });

  it('a FILE input with defaults, and a nested ARRAY item type', () => {
    const found = problems(`
id: inputs
namespace: test
inputs:
  - { id: doc, type: FILE, defaults: /etc/hosts }
  - { id: grid, type: ARRAY, itemType: ARRAY }
tasks:
  - { id: a, type: log, message: x }
`);
    expect(found).toEqual([
      expect.stringContaining('a FILE input cannot have defaults'),
      expect.stringContaining('items cannot be lists or files'),
    ]);
  });
});
