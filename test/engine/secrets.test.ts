/** `secret()` in executions: values reach tasks, and are masked out of logs, errors and outputs. */
import { afterEach, describe, expect, it } from 'vitest';
import type { SecretSource } from '../../agent/engine/ports.js';
import { type EngineFixture, engineFixture, type Finished } from '../support/engine.js';

const TOKEN = 'tok-7f3a9c1e55';
const lookups: { name: string; namespace?: string }[] = [];
const secrets: SecretSource = {
  get(name, namespace) {
    lookups.push({ name, namespace });
    return ({ API_TOKEN: TOKEN, DB_PASSWORD: 'hunter2-long' } as Record<string, string>)[name];
  },
};

let fx: EngineFixture;
afterEach(async () => {
  lookups.length = 0;
  await fx.close();
});

/** Everything the store kept of an execution, as text. */
const stored = (r: Finished) =>
  JSON.stringify({ execution: r.execution, taskRuns: r.taskRuns, logs: r.logs });

const flow = (tasks: string) => `
id: secrets
namespace: plant1.line2
tasks:
${tasks}`;

describe('secret()', () => {
  it('hands the value to the task and asks for it in the flow namespace', async () => {
    fx = engineFixture({ secrets });
    const r = await fx.run(
      flow(`
  - id: check
    type: shell
    commands:
      - test "{{ secret('API_TOKEN') }}" = "${TOKEN}" && echo match`),
    );
    expect(r.run('check').state).toBe('SUCCESS');
    expect(r.messages('check')).toContain('match');
    expect(lookups).toContainEqual({ name: 'API_TOKEN', namespace: 'plant1.line2' });
  });

  it('fails the task naming a secret that is not defined', async () => {
    fx = engineFixture({ secrets });
    const r = await fx.run(flow(`  - { id: use, type: log, message: "{{ secret('NOPE') }}" }`));
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('use').error).toMatch(/secret 'NOPE' is not defined/);
  });
});

describe('masking', () => {
  it('masks a secret a shell task prints', async () => {
    fx = engineFixture({ secrets });
    const r = await fx.run(
      flow(`
  - id: echo
    type: shell
    commands:
      - |
        echo "token is {{ secret('API_TOKEN') }}"
      - |
        echo "again: {{ secret('API_TOKEN') }}" >&2`),
    );
    expect(r.run('echo').state).toBe('SUCCESS');
    expect(r.messages('echo')).toEqual(expect.arrayContaining(['token is ******', 'again: ******']));
    expect(stored(r)).not.toContain(TOKEN);
  });

  it('masks a secret in a log message', async () => {
    fx = engineFixture({ secrets });
    const r = await fx.run(
      flow(`  - { id: say, type: log, message: "password={{ secret('DB_PASSWORD') }}" }`),
    );
    expect(r.messages('say')).toEqual(['password=******']);
  });

  it('stores outputs with the secret masked, and later tasks read the masked value', async () => {
    fx = engineFixture({ secrets });
    const r = await fx.run(
      flow(`
  - id: header
    type: output
    values:
      authorization: "Bearer {{ secret('API_TOKEN') }}"
      nested: { list: ["{{ secret('API_TOKEN') }}", plain] }
  - id: script
    type: shell
    commands:
      - |
        echo '::{"outputs": {"seen": "{{ secret('API_TOKEN') }}"}}::'
  - { id: next, type: log, message: "{{ outputs.header.values.authorization }}" }`),
    );
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('header').outputs).toEqual({
      values: { authorization: 'Bearer ******', nested: { list: ['******', 'plain'] } },
    });
    expect((r.run('script').outputs.vars as Record<string, unknown>).seen).toBe('******');
    expect(r.messages('next')).toEqual(['Bearer ******']);
    expect(stored(r)).not.toContain(TOKEN);
  });

  it('masks a secret in a task error and in the execution error', async () => {
    fx = engineFixture({ secrets });
    const r = await fx.run(
      flow(`  - { id: boom, type: fail, errorMessage: "cannot log in with {{ secret('DB_PASSWORD') }}" }`),
    );
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('boom').error).toBe('cannot log in with ******');
    expect(r.execution.error).toBe('boom: cannot log in with ******');
    expect(stored(r)).not.toContain('hunter2-long');
  });

  it('masks the value of a SECRET input in logs', async () => {
    fx = engineFixture({ secrets });
    const r = await fx.run(
      `
id: secret-input
namespace: test
inputs:
  - { id: pin, type: SECRET }
tasks:
  - { id: say, type: log, message: "pin {{ inputs.pin }}" }`,
      { inputs: { pin: '98765' } },
    );
    expect(r.messages('say')).toEqual(['pin ******']);
  });

  it('stores flow variables with the secret masked, while tasks read the value', async () => {
    fx = engineFixture({ secrets });
    const r = await fx.run(`
id: secret-vars
namespace: test
variables:
  auth: "Bearer {{ secret('API_TOKEN') }}"
tasks:
  - id: check
    type: shell
    commands:
      - test "{{ vars.auth }}" = "Bearer ${TOKEN}" && echo "same {{ vars.auth }}"`);
    expect(r.execution.error).toBeUndefined();
    expect(r.run('check').state).toBe('SUCCESS');
    expect(r.messages('check')).toContain('same Bearer ******');
    expect(r.execution.variables).toEqual({ auth: 'Bearer ******' });
    expect(stored(r)).not.toContain(TOKEN);
  });

  it('leaves logs alone when no secret was read', async () => {
    fx = engineFixture({ secrets });
    const r = await fx.run(flow(`  - { id: say, type: log, message: "${TOKEN}" }`));
    expect(r.messages('say')).toEqual([TOKEN]);
  });
});
