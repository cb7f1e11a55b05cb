/** The webhook route over real HTTP: the key is the secret, no token is needed. */
import { beforeAll, expect, it } from 'vitest';
import { describeApi, type HubApi } from '../support/hub-api.js';

const NS = 'hook.t';

const HOOKED = `id: hooked
namespace: ${NS}
triggers:
  - id: hook
    type: webhook
    key: s3cret-key-0123456789
tasks:
  - id: show
    type: log
    message: hooked
`;

const ANSWERING = `id: answering
namespace: ${NS}
inputs:
  - id: name
    type: STRING
outputs:
  - id: greeting
    type: STRING
    value: "hello {{ inputs.name }}"
triggers:
  - id: wait
    type: webhook
    key: wait-key-0123456789
    wait: true
    inputs:
      name: "{{ trigger.body.name }}"
  - id: outputs
    type: webhook
    key: outputs-key-0123456789
    wait: true
    returnOutputs: true
    inputs:
      name: "{{ trigger.body.name }}"
  - id: picky
    type: webhook
    key: picky-key-0123456789
    conditions:
      - "{{ trigger.body.name == 'Ada' }}"
    inputs:
      name: "{{ trigger.body.name }}"
  - id: typed
    type: webhook
    key: typed-key-0123456789
    inputs:
      name: "{{ trigger.body.name }}"
tasks:
  - id: show
    type: log
    message: "{{ inputs.name }}"
`;

async function executionsOf(api: HubApi): Promise<number> {
  return (await api.storage.executions.list({ namespace: NS })).items.length;
}

describeApi('webhook API', (hub) => {
  beforeAll(async () => {
    for (const yaml of [HOOKED, ANSWERING]) {
      const res = await hub().call('POST', '/flows', { yaml });
      if (res.status !== 201) throw new Error(`cannot create the test flow: ${res.text}`);
    }
  });

  it('starts the flow on POST with the right key, without a token (200)', async () => {
    const api = hub();
    const res = await api.call('POST', `/executions/webhook/${NS}/hooked/s3cret-key-0123456789`, {
      token: null,
      json: { value: 'from the hook' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ namespace: NS, flowId: 'hooked' });
    expect(res.body.trigger).toMatchObject({ method: 'POST', body: { value: 'from the hook' } });
  });

  it('starts the flow on GET, with the query in the trigger', async () => {
    const res = await hub().call(
      'GET',
      `/executions/webhook/${NS}/hooked/s3cret-key-0123456789?source=probe`,
      {
        token: null,
      },
    );
    expect(res.status).toBe(200);
    expect(res.body.trigger).toMatchObject({ method: 'GET', query: { source: 'probe' }, body: null });
  });

  it('starts the flow on PUT with a text body', async () => {
    const res = await hub().call('PUT', `/executions/webhook/${NS}/hooked/s3cret-key-0123456789`, {
      token: null,
      body: 'plain text',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(200);
    expect(res.body.trigger.body).toBe('plain text');
  });

  it('answers 404 for a wrong key and starts nothing', async () => {
    const api = hub();
    const before = await executionsOf(api);
    const res = await api.call('POST', `/executions/webhook/${NS}/hooked/wrong-key`, {
      token: null,
      json: {},
    });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
    expect(await executionsOf(api)).toBe(before);
  });

  it('answers 404 for an unknown flow', async () => {
    const res = await hub().call('POST', `/executions/webhook/${NS}/no-such-flow/s3cret-key-0123456789`, {
      token: null,
    });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('answers 400 with the position for a malformed JSON body, and starts nothing', async () => {
    const api = hub();
    const before = await executionsOf(api);
    const res = await api.call('POST', `/executions/webhook/${NS}/hooked/s3cret-key-0123456789`, {
      token: null,
      body: '{"value": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
    expect(await executionsOf(api)).toBe(before);
  });

  it('with wait: true answers once the execution has ended, with its final state and outputs', async () => {
    const res = await hub().call('POST', `/executions/webhook/${NS}/answering/wait-key-0123456789`, {
      token: null,
      json: { name: 'Ada' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      flowId: 'answering',
      state: 'SUCCESS',
      outputs: { greeting: 'hello Ada' },
    });
  });

  it('with returnOutputs: true answers with the flow outputs', async () => {
    const res = await hub().call('POST', `/executions/webhook/${NS}/answering/outputs-key-0123456789`, {
      token: null,
      json: { name: 'Grace' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ greeting: 'hello Grace' });
  });

  it('answers 204 and starts nothing when a condition of the trigger does not hold', async () => {
    const api = hub();
    const before = await executionsOf(api);
    const res = await api.call('POST', `/executions/webhook/${NS}/answering/picky-key-0123456789`, {
      token: null,
      json: { name: 'Bob' },
    });
    expect(res.status).toBe(204);
    expect(await executionsOf(api)).toBe(before);
    const ok = await api.call('POST', `/executions/webhook/${NS}/answering/picky-key-0123456789`, {
      token: null,
      json: { name: 'Ada' },
    });
    expect(ok.status).toBe(200);
  });

  it('answers 422 with the problems when the trigger gives inputs the flow refuses', async () => {
    const res = await hub().call('POST', `/executions/webhook/${NS}/answering/typed-key-0123456789`, {
      token: null,
      json: { other: 1 },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('INVALID_INPUT');
  });
});
