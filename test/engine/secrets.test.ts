/**
 * `secret()` in executions: values reach tasks, and are masked out of logs,
 * errors and outputs, also when handed to a subflow, taken as a SECRET input
 * or read back from the KV store.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SecretSource } from '../../runtime/engine/ports.js';
import { type EngineFixture, engineFixture, type Finished } from '../support/engine.js';

const TOKEN = 'tok-7f3a9c1e55';
const lookups: { name: string; namespace?: string }[] = [];
const VALUES: Record<string, string> = { API_TOKEN: TOKEN, DB_PASSWORD: 'hunter2-long' };
const secrets: SecretSource = {
  get(name, namespace) {
    lookups.push({ name, namespace });
    return VALUES[name];
  },
  visibleValues: () => Object.values(VALUES),
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

  it('stores outputs with the secret masked, while later tasks read the real value', async () => {
    fx = engineFixture({ secrets });
    const seen = join(mkdtempSync(join(tmpdir(), 'tern-secret-out-')), 'seen');
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
  - { id: next, type: log, message: "{{ outputs.header.values.authorization }}" }
  - id: passes
    type: shell
    commands:
      - printf '%s' "{{ outputs.header.values.authorization }}" > ${seen}`),
    );
    expect(r.execution.state).toBe('SUCCESS');
    expect(r.run('header').outputs).toEqual({
      values: { authorization: 'Bearer ******', nested: { list: ['******', 'plain'] } },
    });
    expect((r.run('script').outputs.vars as Record<string, unknown>).seen).toBe('******');
    // The log shows it masked; the task that passes it on (a header, a file) has the value itself.
    expect(r.messages('next')).toEqual(['Bearer ******']);
    expect(readFileSync(seen, 'utf8')).toBe(`Bearer ${TOKEN}`);
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

  it('cannot mask a transformed value: a base64 copy is stored as it is (a documented limit)', async () => {
    fx = engineFixture({ secrets });
    const r = await fx.run(
      flow(
        `  - { id: say, type: log, message: "{{ secret('API_TOKEN') | base64encode }} {{ secret('API_TOKEN') }}" }`,
      ),
    );
    expect(r.messages('say')).toEqual([`${Buffer.from(TOKEN).toString('base64')} ******`]);
  });

  it('leaves logs alone when no secret was read', async () => {
    fx = engineFixture({ secrets });
    const r = await fx.run(flow(`  - { id: say, type: log, message: "${TOKEN}" }`));
    expect(r.messages('say')).toEqual([TOKEN]);
  });
});

/** Everything stored of an execution, found through the store (not the live objects). */
const storedText = async (executionId: string) => JSON.stringify(await fx.finished(executionId));

describe('SECRET inputs', () => {
  it('are stored masked, and named in secretInputs, while tasks read the value', async () => {
    fx = engineFixture({ secrets });
    const r = await fx.run(
      `
id: secret-input
namespace: test
inputs:
  - { id: pin, type: SECRET }
  - { id: site, type: STRING }
tasks:
  - id: check
    type: shell
    commands:
      - test "{{ inputs.pin }}" = "98765-pin" && echo "pin ok for {{ inputs.site }}"`,
      { inputs: { pin: '98765-pin', site: 'plant1' } },
    );
    expect(r.run('check').state).toBe('SUCCESS');
    expect(r.messages('check')).toContain('pin ok for plant1');
    expect(r.execution.inputs).toEqual({ pin: '******', site: 'plant1' });
    expect(r.execution.secretInputs).toEqual(['pin']);
    expect(stored(r)).not.toContain('98765-pin');
  });

  it('make an execution that cannot be restarted or replayed, saying why', async () => {
    fx = engineFixture({ secrets });
    const r = await fx.run(
      `
id: secret-fails
namespace: test
inputs:
  - { id: pin, type: SECRET }
tasks:
  - { id: boom, type: fail, errorMessage: no }`,
      { inputs: { pin: '98765-pin' } },
    );
    expect(r.execution.state).toBe('FAILED');
    await expect(fx.engine.restart(r.execution.id)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('input pin held secrets, which are never stored'),
    });
    await expect(fx.engine.replay(r.execution.id)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('fail an execution interrupted by a restart, rather than resume it with the masked value', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tern-secret-restart-'));
    const yaml = `
id: held-secret
namespace: test
inputs:
  - { id: pin, type: SECRET }
tasks:
  - { id: hold, type: pause }
  - { id: use, type: log, message: "{{ inputs.pin }}" }`;
    try {
      const before = engineFixture({ dir, secrets });
      const started = await before.engine.start(before.flow(yaml), { inputs: { pin: '98765-pin' } });
      await vi.waitFor(async () =>
        expect((await before.finished(started.id)).run('hold').state).toBe('PAUSED'),
      );
      // The process stops here: its memory, and the pin with it, is gone.
      before.store.close();
      fx = engineFixture({ dir, secrets });
      fx.flow(yaml);
      await fx.engine.recover();
      const after = await fx.engine.wait(started.id);
      expect(after.state).toBe('FAILED');
      expect(after.error).toBe(
        'cannot be resumed after a restart: input pin held secrets, which are never stored: start a new execution',
      );
      expect(await storedText(started.id)).not.toContain('98765-pin');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('secrets passed to a subflow', () => {
  const CHILD = `
id: child
namespace: plant1.line2
inputs:
  - { id: token, type: STRING }
  - { id: header, type: STRING }
tasks:
  - id: use
    type: shell
    commands:
      - test "{{ inputs.token }}" = "${TOKEN}" && echo "same token {{ inputs.token }}"
      - echo "header {{ inputs.header }}"
  - { id: keep, type: output, values: { token: "{{ inputs.token }}" } }
outputs:
  - { id: echoed, type: STRING, value: "{{ inputs.header }}" }
`;
  const PARENT = `
id: parent
namespace: plant1.line2
tasks:
  - id: call
    type: subflow
    namespace: plant1.line2
    flowId: child
    inputs:
      token: "{{ secret('API_TOKEN') }}"
      header: "Bearer {{ secret('API_TOKEN') }}"
    labels:
      caller: "k-{{ secret('API_TOKEN') }}"
  - { id: show, type: log, message: "child said {{ outputs.call.outputs.echoed }}" }
`;

  it('reach the child as they are, and are masked in its stored inputs, outputs and logs', async () => {
    fx = engineFixture({ secrets });
    fx.flow(CHILD);
    const parent = await fx.run(PARENT);
    expect(parent.execution.state).toBe('SUCCESS');
    const childId = parent.run('call').outputs.executionId as string;
    const child = await fx.finished(childId);
    expect(child.run('use').state).toBe('SUCCESS');
    expect(child.messages('use')).toEqual(['same token ******', 'header Bearer ******']);
    expect(child.execution.inputs).toEqual({ token: '******', header: 'Bearer ******' });
    expect(child.execution.secretInputs).toEqual(['token', 'header']);
    expect(child.execution.labels.caller).toBe('k-******');
    expect(child.execution.outputs).toEqual({ echoed: 'Bearer ******' });
    expect(child.run('keep').outputs).toEqual({ values: { token: '******' } });
    expect(stored(child)).not.toContain(TOKEN);
    expect(parent.messages('show')).toEqual(['child said Bearer ******']);
    expect(stored(parent)).not.toContain(TOKEN);
  });

  it('leave the inputs that hold none in clear', async () => {
    fx = engineFixture({ secrets });
    fx.flow(CHILD);
    const parent = await fx.run(PARENT.replaceAll("{{ secret('API_TOKEN') }}", 'plain-value'));
    const child = await fx.finished(parent.run('call').outputs.executionId as string);
    expect(child.execution.inputs).toEqual({ token: 'plain-value', header: 'Bearer plain-value' });
    expect(child.execution.secretInputs).toBeUndefined();
  });
});

describe('secrets read back from the KV store', () => {
  const WRITER = `
id: writer
namespace: plant1.line2
tasks:
  - { id: put, type: kv.set, key: api_auth, value: "Bearer {{ secret('API_TOKEN') }}" }
  - { id: put-shared, type: kv.set, namespace: plant1.shared, key: db, value: { password: "{{ secret('DB_PASSWORD') }}" } }
`;

  it('are masked in the logs and outputs of an execution that reads them with kv() or kv.get', async () => {
    fx = engineFixture({ secrets });
    expect((await fx.run(WRITER)).execution.state).toBe('SUCCESS');
    const reader = await fx.run(`
id: reader
namespace: plant1.line2
tasks:
  - { id: show, type: log, message: "auth {{ kv('api_auth') }}" }
  - { id: get, type: kv.get, key: api_auth }
  - { id: shared, type: kv.get, namespace: plant1.shared, key: db }
  - id: check
    type: shell
    commands:
      - test "{{ outputs.get.value }}" = "Bearer ${TOKEN}" && echo "task outputs pass the value on"
      - test "{{ kv('api_auth') }}" = "Bearer ${TOKEN}" && echo "kv() gives the value"
`);
    expect(reader.execution.state).toBe('SUCCESS');
    expect(reader.messages('show')).toEqual(['auth Bearer ******']);
    expect(reader.run('get').outputs).toEqual({ value: 'Bearer ******' });
    expect(reader.run('shared').outputs).toEqual({ value: { password: '******' } });
    expect(reader.messages('check')).toEqual(['task outputs pass the value on', 'kv() gives the value']);
    expect(stored(reader)).not.toContain(TOKEN);
    expect(stored(reader)).not.toContain('hunter2-long');
  });
});
