/** Execution routes over real HTTP on the real engine: start, inputs, list, logs, kill, restart, replay. */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { describeApi, type HubApi, until } from '../support/hub-api.js';

const NS = 'exec.t';

const GREET = `id: greet
namespace: ${NS}
inputs:
  - id: name
    type: STRING
  - id: count
    type: INT
    defaults: 1
tasks:
  - id: hello
    type: log
    message: "Hello {{ inputs.name }}"
  - id: result
    type: output
    values:
      greeting: "Hello {{ inputs.name }} x{{ inputs.count }}"
`;

/** Holds its first task until the file named by the `gate` input exists. */
const GATED = `id: gated
namespace: ${NS}
inputs:
  - id: gate
    type: STRING
tasks:
  - id: wait
    type: shell
    commands:
      - 'while [ ! -f "{{ inputs.gate }}" ]; do sleep 0.02; done'
  - id: after
    type: log
    message: passed the gate
`;

/** Fails until the file named by the `marker` input exists. */
const FLAKY = `id: flaky
namespace: ${NS}
inputs:
  - id: marker
    type: STRING
tasks:
  - id: check
    type: shell
    commands:
      - 'test -f "{{ inputs.marker }}"'
`;

const UPLOAD = `id: upload
namespace: ${NS}
inputs:
  - id: doc
    type: FILE
  - id: note
    type: STRING
tasks:
  - id: read
    type: shell
    commands:
      - 'cat "{{ inputs.doc }}"'
`;

const scratch = () => mkdtempSync(join(tmpdir(), 'tern-api-exec-'));

async function executionsOf(api: HubApi, flowId: string): Promise<number> {
  return (await api.storage.executions.list({ namespace: NS, flowId })).items.length;
}

describeApi('executions API', (hub) => {
  beforeAll(async () => {
    for (const yaml of [GREET, GATED, FLAKY, UPLOAD]) {
      const res = await hub().call('POST', '/flows', { yaml });
      if (res.status !== 201) throw new Error(`cannot create the test flow: ${res.text}`);
    }
  });

  it('starts an execution with JSON inputs and answers 201', async () => {
    const res = await hub().call('POST', `/executions/${NS}/greet`, { json: { name: 'Ada', count: '3' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ namespace: NS, flowId: 'greet', inputs: { name: 'Ada', count: 3 } });
    expect(typeof res.body.id).toBe('string');
  });

  it('with wait=true answers with the ended execution', async () => {
    const res = await hub().call('POST', `/executions/${NS}/greet?wait=true`, { json: { name: 'Grace' } });
    expect(res.status).toBe(201);
    expect(res.body.state).toBe('SUCCESS');
  });

  it('adds the labels given in the query', async () => {
    const res = await hub().call('POST', `/executions/${NS}/greet?labels=env:test&labels=team:a`, {
      json: { name: 'L' },
    });
    expect(res.body.labels).toMatchObject({ env: 'test', team: 'a' });
  });

  it('answers 422 INVALID_INPUT listing every problem, and creates no execution', async () => {
    const api = hub();
    const before = await executionsOf(api, 'greet');
    const res = await api.call('POST', `/executions/${NS}/greet`, { json: { count: 'many' } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('INVALID_INPUT');
    expect(res.body.error.details.map((p: { path: string }) => p.path).sort()).toEqual([
      'inputs.count',
      'inputs.name',
    ]);
    expect(await executionsOf(api, 'greet')).toBe(before);
  });

  it('answers 404 for an unknown flow', async () => {
    const res = await hub().call('POST', `/executions/${NS}/no-such-flow`, { json: {} });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('answers 400 for inputs that are not a JSON object', async () => {
    const res = await hub().call('POST', `/executions/${NS}/greet`, { json: ['Ada'] });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
  });

  it('takes multipart inputs, a file field becoming the path of a FILE input', async () => {
    const api = hub();
    const form = new FormData();
    form.set('note', 'a note');
    form.set('doc', new Blob(['uploaded content 42']), 'report.txt');
    const res = await fetch(`${api.url}/api/v1/executions/${NS}/upload?wait=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.adminToken}` },
      body: form,
    });
    const execution = (await res.json()) as { id: string; state: string; inputs: Record<string, string> };
    expect(res.status).toBe(201);
    expect(execution.state).toBe('SUCCESS');
    expect(execution.inputs.note).toBe('a note');
    const logs = await api.call('GET', `/executions/${execution.id}/logs?taskId=read`);
    expect(logs.body.items.map((l: { message: string }) => l.message)).toContain('uploaded content 42');
  });

  it('removes uploaded files when the inputs are refused', async () => {
    const api = hub();
    const name = `orphan-${Math.random().toString(36).slice(2)}.txt`;
    const form = new FormData();
    form.set('doc', new Blob(['x']), name);
    const res = await fetch(`${api.url}/api/v1/executions/${NS}/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.adminToken}` },
      body: form,
    });
    const body = (await res.json()) as { error: { code: string; details: { path: string }[] } };
    expect(res.status).toBe(422);
    expect(body.error.details.map((p) => p.path)).toEqual(['inputs.note']);
    const uploads = readdirSync(tmpdir()).filter((d) => d.startsWith('tern-upload-'));
    const left = uploads.flatMap((d) => readdirSync(join(tmpdir(), d))).filter((f) => f.endsWith(name));
    expect(left).toEqual([]);
  });

  it('gets an execution with its task runs', async () => {
    const api = hub();
    const { body: done } = await api.call('POST', `/executions/${NS}/greet?wait=true`, {
      json: { name: 'T' },
    });
    const res = await api.call('GET', `/executions/${done.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: done.id, state: 'SUCCESS' });
    const result = res.body.taskRuns.find((tr: { taskId: string }) => tr.taskId === 'result');
    expect(result.outputs.values.greeting).toBe('Hello T x1');
  });

  it('answers 404 for an unknown execution', async () => {
    const res = await hub().call('GET', '/executions/0unknownExecution');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('lists executions filtered by flow and by a comma-separated state list', async () => {
    const api = hub();
    const marker = join(scratch(), 'absent');
    const { body: failed } = await api.call('POST', `/executions/${NS}/flaky?wait=true`, {
      json: { marker },
    });
    const res = await api.call('GET', `/executions?namespace=${NS}&flowId=flaky&state=FAILED,KILLED`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((e: { id: string }) => e.id)).toContain(failed.id);
    expect(res.body.items.every((e: { state: string }) => e.state === 'FAILED' || e.state === 'KILLED')).toBe(
      true,
    );
  });

  it('lists executions filtered by labels', async () => {
    const api = hub();
    const { body } = await api.call('POST', `/executions/${NS}/greet?wait=true&labels=batch:b42`, {
      json: { name: 'B' },
    });
    const res = await api.call('GET', '/executions?labels=batch:b42');
    expect(res.body.items.map((e: { id: string }) => e.id)).toEqual([body.id]);
  });

  it('answers 400 naming the state filter for an unknown state', async () => {
    const res = await hub().call('GET', '/executions?state=DONE');
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]).toMatchObject({ in: 'query', path: 'state.0' });
  });

  it('answers 400 for a time bound that is not a date-time', async () => {
    const res = await hub().call('GET', '/executions?from=yesterday');
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]).toMatchObject({ in: 'query', path: 'from' });
  });

  it('answers 400 for a bad execution cursor', async () => {
    const res = await hub().call('GET', '/executions?cursor=%%%');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
  });

  it('reads the logs of an execution, filtered by task', async () => {
    const api = hub();
    const { body } = await api.call('POST', `/executions/${NS}/greet?wait=true`, { json: { name: 'Logs' } });
    const res = await api.call('GET', `/executions/${body.id}/logs?taskId=hello`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((l: { message: string }) => l.message)).toEqual(['Hello Logs']);
  });

  it('filters logs by minimum level', async () => {
    const api = hub();
    const { body } = await api.call('POST', `/executions/${NS}/greet?wait=true`, { json: { name: 'Quiet' } });
    const res = await api.call('GET', `/executions/${body.id}/logs?level=ERROR`);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([]);
  });

  it('answers 404 for the logs of an unknown execution', async () => {
    const res = await hub().call('GET', '/executions/0unknownExecution/logs');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('kills a running execution: 202, and it ends KILLED', async () => {
    const api = hub();
    const { body } = await api.call('POST', `/executions/${NS}/gated`, {
      json: { gate: join(scratch(), 'never') },
    });
    await until(
      async () => (await api.storage.executions.get(body.id))?.execution.state === 'RUNNING',
      'it runs',
    );
    const res = await api.call('POST', `/executions/${body.id}/kill`);
    expect(res.status).toBe(202);
    expect((await api.services.executions.wait(body.id)).state).toBe('KILLED');
  });

  it('answers 409 when killing an execution that has ended', async () => {
    const api = hub();
    const { body } = await api.call('POST', `/executions/${NS}/greet?wait=true`, { json: { name: 'Done' } });
    const res = await api.call('POST', `/executions/${body.id}/kill`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('CONFLICT');
  });

  it('answers 404 when killing an unknown execution', async () => {
    const res = await hub().call('POST', '/executions/0unknownExecution/kill');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('restarts a failed execution in place, which then succeeds', async () => {
    const api = hub();
    const marker = join(scratch(), 'marker');
    const { body: failed } = await api.call('POST', `/executions/${NS}/flaky?wait=true`, {
      json: { marker },
    });
    expect(failed.state).toBe('FAILED');
    writeFileSync(marker, '');
    const res = await api.call('POST', `/executions/${failed.id}/restart`);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(failed.id);
    expect((await api.services.executions.wait(failed.id)).state).toBe('SUCCESS');
  });

  it('answers 409 when restarting an execution that succeeded', async () => {
    const api = hub();
    const { body } = await api.call('POST', `/executions/${NS}/greet?wait=true`, { json: { name: 'Fine' } });
    const res = await api.call('POST', `/executions/${body.id}/restart`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('CONFLICT');
  });

  it('replays an execution as a new one that records the original (201)', async () => {
    const api = hub();
    const { body: first } = await api.call('POST', `/executions/${NS}/greet?wait=true`, {
      json: { name: 'Again' },
    });
    const res = await api.call('POST', `/executions/${first.id}/replay`);
    expect(res.status).toBe(201);
    expect(res.body.id).not.toBe(first.id);
    expect(res.body.originalId).toBe(first.id);
    expect((await api.services.executions.wait(res.body.id)).state).toBe('SUCCESS');
  });

  it('replays from a chosen task', async () => {
    const api = hub();
    const { body: first } = await api.call('POST', `/executions/${NS}/greet?wait=true`, {
      json: { name: 'From' },
    });
    const res = await api.call('POST', `/executions/${first.id}/replay`, { json: { taskId: 'result' } });
    expect(res.status).toBe(201);
    expect(res.body.originalId).toBe(first.id);
  });

  it('leaves the temporary upload directory in place for a started execution', async () => {
    const api = hub();
    const form = new FormData();
    form.set('note', 'kept');
    form.set('doc', new Blob(['kept content']), 'kept.txt');
    const res = await fetch(`${api.url}/api/v1/executions/${NS}/upload?wait=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.adminToken}` },
      body: form,
    });
    const execution = (await res.json()) as { inputs: Record<string, string> };
    expect(existsSync(execution.inputs.doc!)).toBe(true);
  });
});
