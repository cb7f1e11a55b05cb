/** Kestra's templating.TemplatedTask on the real engine: a task rendered from expressions, then run in its place. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EngineFixture, engineFixture } from '../support/engine.js';

let fx: EngineFixture;
beforeEach(() => {
  fx = engineFixture();
});
afterEach(async () => {
  await fx.close();
});

const templated = (spec: string) => `
id: templated
namespace: test
inputs:
  - id: property
    type: STRING
    defaults: format
tasks:
  - id: templated
    type: io.kestra.plugin.core.templating.TemplatedTask
    spec: |
${spec
  .split('\n')
  .map((line) => `      ${line}`)
  .join('\n')}
`;

describe('templating.TemplatedTask', () => {
  it('runs the rendered task in its place, its outputs becoming its own', async () => {
    const r = await fx.run(
      templated('type: io.kestra.plugin.core.debug.Return\n{{ inputs.property }}: "{{ 6 * 7 }}"'),
    );
    expect([r.execution.state, r.run('templated').outputs]).toEqual(['SUCCESS', { value: '42' }]);
  });

  it('logs as the templated task', async () => {
    const r = await fx.run(templated('type: log\nmessage: from {{ task.id }}'));
    expect(r.messages('templated')).toEqual(['from templated']);
  });

  it('fails with the problems of a spec that is not a valid task', async () => {
    const r = await fx.run(templated('type: log\nmesage: hi'));
    expect([r.execution.state, r.run('templated').error]).toEqual([
      'FAILED',
      "spec: missing required property 'message'; spec: unknown property 'mesage' (did you mean 'message'?)",
    ]);
  });

  it('refuses a flowable task', async () => {
    const r = await fx.run(templated('type: sequential\ntasks:\n  - { id: a, type: log, message: a }'));
    expect(r.run('templated').error).toBe(
      "spec: 'sequential' is a flowable task; a templated task must be a runnable one",
    );
  });
});
