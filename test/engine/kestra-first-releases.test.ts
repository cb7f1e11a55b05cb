/** Flows written for Kestra's first releases: `org.kestra.` names, the `Bash` task, null properties, `BOOL` inputs. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EngineFixture, engineFixture } from '../support/engine.js';

let fx: EngineFixture;
beforeEach(() => {
  fx = engineFixture();
});
afterEach(async () => {
  await fx.close();
});

describe("Kestra's first type names", () => {
  it('runs org.kestra.* task types as their io.kestra.* names', async () => {
    const r = await fx.run(`
id: oldest-names
namespace: org.kestra.tests
tasks:
  - id: outer
    type: org.kestra.core.tasks.flows.Sequential
    tasks:
      - id: greet
        type: org.kestra.core.tasks.debugs.Return
        format: "hi from {{ task.id }}"
  - id: done
    type: org.kestra.core.tasks.debugs.Echo
    format: done
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.taskRuns.map((t) => t.taskId)).toEqual(['outer', 'greet', 'done']);
    expect(r.run('greet').outputs).toEqual({ value: 'hi from greet' });
  });

  it('reads a property given as null as left out: a Switch with `defaults: null`', async () => {
    const r = await fx.run(`
id: null-defaults
namespace: test
tasks:
  - id: route
    type: io.kestra.core.tasks.flows.Switch
    value: known
    cases:
      known:
        - { id: hit, type: log, message: matched }
    defaults: null
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('hit').state).toBe('SUCCESS');
  });

  it('accepts the BOOL input type as BOOLEAN', async () => {
    const r = await fx.run(
      `
id: bool-input
namespace: test
inputs:
  - { id: loud, type: BOOL, defaults: false }
tasks:
  - id: say
    type: log
    message: "{{ inputs.loud ? 'LOUD' : 'quiet' }}"
`,
      { inputs: { loud: 'true' } },
    );
    expect(r.execution.inputs.loud).toBe(true);
    expect(r.messages('say')).toEqual(['LOUD']);
  });
});

describe('io.kestra.core.tasks.scripts.Bash', () => {
  it('runs its commands in /bin/sh and fails on the first failing one, as exitOnFailed says', async () => {
    const r = await fx.run(`
id: bash-fails
namespace: test
tasks:
  - id: script
    type: io.kestra.core.tasks.scripts.Bash
    commands:
      - echo "before"
      - exit 3
      - echo "never"
errors:
  - { id: handler, type: log, message: "handled" }
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('script').state).toBe('FAILED');
    expect(r.run('script').outputs.exitCode).toBe(3);
    expect(r.messages('script')).toContain('before');
    expect(r.messages('script')).not.toContain('never');
    expect(r.run('handler').state).toBe('SUCCESS');
  });

  it('goes on after a failing command with exitOnFailed: false, and passes ::{outputs}:: lines as vars', async () => {
    const r = await fx.run(`
id: bash-goes-on
namespace: test
tasks:
  - id: script
    type: io.kestra.core.tasks.scripts.Bash
    exitOnFailed: false
    interpreter: /bin/sh
    interpreterArgs: ["-c"]
    env: { WHO: edge }
    commands:
      - "false"
      - 'echo "::{\\"outputs\\": {\\"who\\": \\"$WHO\\"}}::"'
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('script').outputs).toMatchObject({ exitCode: 0, vars: { who: 'edge' } });
  });

  it('ends in WARNING when the commands print to stderr, unless warningOnStdErr is false', async () => {
    const flow = (warn: boolean) => `
id: bash-stderr-${warn}
namespace: test
tasks:
  - id: script
    type: io.kestra.core.tasks.scripts.Bash
    ${warn ? '' : 'warningOnStdErr: false'}
    commands:
      - echo "careful" >&2
`;
    expect((await fx.run(flow(true))).execution.state).toBe('WARNING');
    expect((await fx.run(flow(false))).execution.state).toBe('SUCCESS');
  });
});

describe("Kestra's io.kestra.core.* names of Log, OutputValues and the Schedule and Webhook triggers", () => {
  it('runs a flow written with them', async () => {
    const r = await fx.run(`
id: core-names
namespace: test
triggers:
  - { id: nightly, type: io.kestra.core.models.triggers.types.Schedule, cron: "0 2 * * *" }
  - { id: hook, type: io.kestra.core.models.triggers.types.Webhook, key: some-secret-key }
tasks:
  - { id: say, type: io.kestra.core.tasks.log.Log, message: hello }
  - id: keep
    type: io.kestra.core.tasks.outputs.OutputValues
    values: { greeting: hello }
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.messages('say')).toEqual(['hello']);
    expect(r.run('keep').outputs).toEqual({ values: { greeting: 'hello' } });
  });
});
