/** A FILE input given through the API is a file uploaded with the request or a storage URI, never a path on the hub. */
import { beforeAll, expect, it } from 'vitest';
import { describeApi, type HubApi } from '../support/hub-api.js';

const NS = 'files.t';

const SHOW = `id: show
namespace: ${NS}
inputs:
  - id: doc
    type: FILE
tasks:
  - id: read
    type: shell
    commands:
      - 'cat "{{ inputs.doc }}" || true'
`;

async function executionsOf(api: HubApi): Promise<number> {
  return (await api.storage.executions.list({ namespace: NS, flowId: 'show' })).items.length;
}

/** Posts the form to start `show` and answers with the status and parsed body. */
async function postForm(api: HubApi, form: FormData) {
  const res = await fetch(`${api.url}/api/v1/executions/${NS}/show?wait=true`, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.adminToken}` },
    body: form,
  });
  // biome-ignore lint/suspicious/noExplicitAny: the assertions check the body.
  return { status: res.status, body: (await res.json()) as any };
}

describeApi('FILE inputs through the API', (hub) => {
  beforeAll(async () => {
    const res = await hub().call('POST', '/flows', { yaml: SHOW });
    if (res.status !== 201) throw new Error(`cannot create the test flow: ${res.text}`);
  });

  it.each(['/etc/passwd', 'file:///etc/passwd', '../../etc/passwd', 'http://example.com/x'])(
    'refuses %s given as JSON with 400 naming the input, and starts nothing',
    async (value) => {
      const api = hub();
      const before = await executionsOf(api);
      const res = await api.call('POST', `/executions/${NS}/show`, { json: { doc: value } });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('BAD_REQUEST');
      expect(res.body.error.details).toEqual([
        expect.objectContaining({ in: 'body', path: 'doc', message: expect.stringContaining('FILE input') }),
      ]);
      expect(await executionsOf(api)).toBe(before);
    },
  );

  it('refuses a path given as a text field of a form', async () => {
    const form = new FormData();
    form.set('doc', '/etc/passwd');
    const res = await postForm(hub(), form);
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((p: { path: string }) => p.path)).toEqual(['doc']);
  });

  it('refuses a path for a run on agents too', async () => {
    const res = await hub().call('POST', `/executions/${NS}/show?agent=*`, { json: { doc: '/etc/passwd' } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((p: { path: string }) => p.path)).toEqual(['doc']);
  });

  it('takes a file uploaded with the request', async () => {
    const api = hub();
    const form = new FormData();
    form.set('doc', new Blob(['uploaded 42']), 'doc.txt');
    const res = await postForm(api, form);
    expect(res.status).toBe(201);
    expect(res.body.state).toBe('SUCCESS');
    const logs = await api.call('GET', `/executions/${res.body.id}/logs?taskId=read`);
    expect(logs.body.items.map((l: { message: string }) => l.message)).toContain('uploaded 42');
  });

  it('takes a storage URI', async () => {
    const res = await hub().call('POST', `/executions/${NS}/show?wait=true`, {
      json: { doc: 'tern:///0Vd2Suky000C0nZLt1ckx4/0Vd2Suky000C0nZLt1ckx5/report.csv' },
    });
    expect(res.status).toBe(201);
    expect(res.body.inputs.doc).toBe('tern:///0Vd2Suky000C0nZLt1ckx4/0Vd2Suky000C0nZLt1ckx5/report.csv');
  });
});
