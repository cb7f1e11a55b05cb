/**
 * Secrets stay secret in what the hub stores and shows: passed to a subflow,
 * taken as a SECRET input, read back from the KV store, and credentials sent
 * to a webhook. Real HTTP, the real engine and HubSecrets, on PGlite and on
 * PostgreSQL when TERN_TEST_PG_URL is set.
 */
import { beforeAll, expect, it } from 'vitest';
import { describeApi, type HubApi, until } from '../support/hub-api.js';

const NS = 'plant1.secrets';
const TOKEN = 'tok-hub-5e1f0c2a9b';
const PASSWORD = 'pw-hub-7d3b8e41';

const CHILD = `id: child
namespace: ${NS}
inputs:
  - { id: token, type: STRING }
tasks:
  - id: use
    type: shell
    commands:
      - test "{{ inputs.token }}" = "${TOKEN}" && echo "child got the token {{ inputs.token }}"
outputs:
  - { id: header, type: STRING, value: "Bearer {{ inputs.token }}" }
`;

const PARENT = `id: parent
namespace: ${NS}
tasks:
  - id: call
    type: subflow
    namespace: ${NS}
    flowId: child
    inputs:
      token: "{{ secret('API_TOKEN') }}"
`;

const KV_WRITER = `id: kv-writer
namespace: ${NS}
tasks:
  - { id: put, type: kv.set, key: db_password, value: "{{ secret('DB_PASSWORD') }}" }
`;

const KV_READER = `id: kv-reader
namespace: ${NS}
tasks:
  - { id: show, type: log, message: "password {{ kv('db_password') }}" }
  - { id: get, type: kv.get, key: db_password }
`;

const PIN = `id: pin
namespace: ${NS}
inputs:
  - { id: pin, type: SECRET }
tasks:
  - { id: say, type: log, message: "pin {{ inputs.pin }}" }
  - { id: boom, type: fail, errorMessage: failed on purpose }
`;

const HOOKED = `id: hooked
namespace: ${NS}
triggers:
  - id: hook
    type: webhook
    key: hook-key-for-secret-tests
tasks:
  - { id: seen, type: log, message: "hooked {{ trigger.body.reading }}" }
`;

const HOOKED_WITH_SECRET = `id: hooked-secret
namespace: ${NS}
inputs:
  - { id: token, type: STRING }
triggers:
  - id: hook
    type: webhook
    key: hook-key-for-secret-inputs
    inputs:
      token: "{{ secret('API_TOKEN') }}"
tasks:
  - id: use
    type: shell
    commands:
      - test "{{ inputs.token }}" = "${TOKEN}" && echo "the trigger gave {{ inputs.token }}"
`;

/** Everything the hub shows and stores of an execution: the API's answers and the stored rows. */
async function everything(api: HubApi, id: string): Promise<string> {
  await api.storage.executions.flush();
  const shown = await api.call('GET', `/executions/${id}`);
  const logs = await api.call('GET', `/executions/${id}/logs`);
  const stored = await api.storage.executions.get(id);
  return JSON.stringify([shown.body, logs.body, stored]);
}

async function ended(api: HubApi, id: string): Promise<{ state: string; [key: string]: unknown }> {
  let execution: { state: string } | undefined;
  await until(async () => {
    execution = (await api.call('GET', `/executions/${id}`)).body;
    return ['SUCCESS', 'WARNING', 'FAILED', 'KILLED'].includes(execution?.state ?? '');
  }, `execution ${id} has ended`);
  return execution!;
}

describeApi(
  'secret masking',
  (hub) => {
    beforeAll(async () => {
      for (const yaml of [CHILD, PARENT, KV_WRITER, KV_READER, PIN, HOOKED, HOOKED_WITH_SECRET]) {
        const res = await hub().call('POST', '/flows', { yaml });
        if (res.status !== 201) throw new Error(`cannot create a test flow: ${res.text}`);
      }
    });

    it("hands a secret to a subflow, which uses it; the child's stored inputs, outputs and logs hold the mask", async () => {
      const api = hub();
      const parent = await api.call('POST', `/executions/${NS}/parent?wait=true`, { json: {} });
      expect(parent.status).toBe(201);
      expect(parent.body.state).toBe('SUCCESS');
      const call = (await api.call('GET', `/executions/${parent.body.id}`)).body.taskRuns.find(
        (tr: { taskId: string }) => tr.taskId === 'call',
      );
      const childId = call.outputs.executionId as string;
      const child = await ended(api, childId);
      expect(child.state).toBe('SUCCESS');
      expect(child.inputs).toEqual({ token: '******' });
      expect(child.secretInputs).toEqual(['token']);
      expect(child.outputs).toEqual({ header: 'Bearer ******' });
      const logs = await api.call('GET', `/executions/${childId}/logs`);
      expect(logs.body.items.map((l: { message: string }) => l.message)).toContain(
        'child got the token ******',
      );
      expect(await everything(api, childId)).not.toContain(TOKEN);
      expect(await everything(api, parent.body.id)).not.toContain(TOKEN);
    });

    it('masks a secret written to the KV store when another execution reads it with kv() or kv.get', async () => {
      const api = hub();
      const writer = await api.call('POST', `/executions/${NS}/kv-writer?wait=true`, { json: {} });
      expect(writer.body.state).toBe('SUCCESS');
      const reader = await api.call('POST', `/executions/${NS}/kv-reader?wait=true`, { json: {} });
      expect(reader.body.state).toBe('SUCCESS');
      const logs = await api.call('GET', `/executions/${reader.body.id}/logs`);
      expect(logs.body.items.map((l: { message: string }) => l.message)).toContain('password ******');
      const detail = await api.call('GET', `/executions/${reader.body.id}`);
      const get = detail.body.taskRuns.find((tr: { taskId: string }) => tr.taskId === 'get');
      expect(get.outputs).toEqual({ value: '******' });
      expect(await everything(api, reader.body.id)).not.toContain(PASSWORD);
    });

    it('stores a SECRET input masked, and refuses to restart or replay the execution (409)', async () => {
      const api = hub();
      const res = await api.call('POST', `/executions/${NS}/pin?wait=true`, { json: { pin: '24680-pin' } });
      expect(res.body.state).toBe('FAILED');
      expect(res.body.inputs).toEqual({ pin: '******' });
      expect(await everything(api, res.body.id)).not.toContain('24680-pin');
      const restart = await api.call('POST', `/executions/${res.body.id}/restart`);
      expect(restart.status).toBe(409);
      expect(restart.body.error.message).toContain('input pin held secrets, which are never stored');
      expect((await api.call('POST', `/executions/${res.body.id}/replay`)).status).toBe(409);
    });

    it("masks a secret a trigger's inputs read, while the tasks use it", async () => {
      const api = hub();
      const res = await api.call(
        'POST',
        `/executions/webhook/${NS}/hooked-secret/hook-key-for-secret-inputs`,
        {
          token: null,
        },
      );
      expect(res.status).toBe(200);
      expect(res.body.inputs).toEqual({ token: '******' });
      expect((await ended(api, res.body.id)).state).toBe('SUCCESS');
      const logs = await api.call('GET', `/executions/${res.body.id}/logs`);
      expect(logs.body.items.map((l: { message: string }) => l.message)).toContain('the trigger gave ******');
      expect(await everything(api, res.body.id)).not.toContain(TOKEN);
    });

    it('never stores the credential headers of a webhook call', async () => {
      const api = hub();
      const credentials = {
        authorization: 'Bearer webhook-bearer-1234',
        cookie: 'session=webhook-cookie-5678',
        'proxy-authorization': 'Basic d2ViaG9vay1wcm94eQ==',
        'x-api-key': 'webhook-api-key-9012',
        'x-gitlab-token': 'webhook-gitlab-3456',
      };
      const res = await api.call('POST', `/executions/webhook/${NS}/hooked/hook-key-for-secret-tests`, {
        token: null,
        headers: { ...credentials, 'x-request-id': 'req-42', 'content-type': 'application/json' },
        json: { reading: 1 },
      });
      expect(res.status).toBe(200);
      await ended(api, res.body.id);
      const shown = await api.call('GET', `/executions/${res.body.id}`);
      const headers = shown.body.trigger.headers as Record<string, string>;
      expect(headers['x-request-id']).toBe('req-42');
      for (const name of Object.keys(credentials)) expect(headers).not.toHaveProperty(name);
      const text = await everything(api, res.body.id);
      for (const value of Object.values(credentials)) expect(text).not.toContain(value);
      expect(JSON.stringify(res.body)).not.toContain('webhook-bearer-1234');
    });
  },
  { secrets: { API_TOKEN: TOKEN, DB_PASSWORD: PASSWORD } },
);
