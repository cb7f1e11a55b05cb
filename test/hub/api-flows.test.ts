/** The flow routes over real HTTP: create, read, update, delete, revisions, validation and bad input. */
import { expect, it } from 'vitest';
import { parse } from 'yaml';
import { describeApi, type HubApi } from '../support/hub-api.js';

const flowYaml = (namespace: string, id: string, message = 'hello') => `id: ${id}
namespace: ${namespace}
tasks:
  - id: say
    type: log
    message: ${message}
`;

/** Asserts that nothing at all was stored for the flow. */
async function expectNoFlow(api: HubApi, namespace: string, id: string): Promise<void> {
  expect(await api.storage.flows.get(namespace, id, { includeDeleted: true })).toBeUndefined();
  expect(await api.storage.flows.revisions(namespace, id)).toEqual([]);
}

describeApi('flows API', (hub) => {
  it('creates a flow from YAML and answers 201 with revision 1 and the source as sent', async () => {
    const source = flowYaml('team.a', 'create-yaml');
    const res = await hub().call('POST', '/flows', { yaml: source });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      namespace: 'team.a',
      id: 'create-yaml',
      revision: 1,
      source,
      deleted: false,
    });
    expect(res.body.flow.tasks[0]).toMatchObject({ id: 'say', type: 'log' });
    expect(typeof res.body.createdAt).toBe('string');
  });

  it('accepts text/yaml and application/yaml as YAML', async () => {
    for (const [type, id] of [
      ['text/yaml', 'text-yaml'],
      ['application/yaml', 'app-yaml'],
    ] as const) {
      const res = await hub().call('POST', '/flows', {
        body: flowYaml('team.a', id),
        headers: { 'content-type': type },
      });
      expect(res.status).toBe(201);
    }
  });

  it('creates a flow from a JSON object and stores its YAML serialisation', async () => {
    const flow = {
      id: 'create-json',
      namespace: 'team.a',
      tasks: [{ id: 'say', type: 'log', message: 'hi' }],
    };
    const res = await hub().call('POST', '/flows', { json: flow });
    expect(res.status).toBe(201);
    expect(parse(res.body.source)).toEqual(flow);
    expect(res.body.source.trimStart().startsWith('{')).toBe(false);
  });

  it('tells the fleet when a flow is created, updated and deleted', async () => {
    const api = hub();
    await api.call('POST', '/flows', { yaml: flowYaml('team.n', 'notify') });
    await api.call('PUT', '/flows/team.n/notify', { yaml: flowYaml('team.n', 'notify', 'changed') });
    await api.call('DELETE', '/flows/team.n/notify');
    expect(api.flowChanges.filter((c) => c === 'team.n.notify')).toHaveLength(3);
  });

  it('answers 409 CONFLICT when POSTing a flow that exists, and keeps the existing revision', async () => {
    const api = hub();
    await api.call('POST', '/flows', { yaml: flowYaml('team.a', 'twice') });
    const res = await api.call('POST', '/flows', { yaml: flowYaml('team.a', 'twice', 'other') });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('CONFLICT');
    expect(await api.storage.flows.revisions('team.a', 'twice')).toHaveLength(1);
  });

  it('gets the latest revision of a flow', async () => {
    const api = hub();
    await api.call('POST', '/flows', { yaml: flowYaml('team.g', 'get-me') });
    const res = await api.call('GET', '/flows/team.g/get-me');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ namespace: 'team.g', id: 'get-me', revision: 1 });
  });

  it('answers 404 NOT_FOUND for an unknown flow', async () => {
    const res = await hub().call('GET', '/flows/nowhere/missing');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('PUT updates an existing flow with a new revision (200)', async () => {
    const api = hub();
    await api.call('POST', '/flows', { yaml: flowYaml('team.p', 'update-me') });
    const res = await api.call('PUT', '/flows/team.p/update-me', {
      yaml: flowYaml('team.p', 'update-me', 'v2'),
    });
    expect(res.status).toBe(200);
    expect(res.body.revision).toBe(2);
    expect(res.body.flow.tasks[0].message).toBe('v2');
  });

  it('PUT of an unchanged source keeps the revision', async () => {
    const api = hub();
    const source = flowYaml('team.p', 'same');
    await api.call('POST', '/flows', { yaml: source });
    const res = await api.call('PUT', '/flows/team.p/same', { yaml: source });
    expect(res.status).toBe(200);
    expect(res.body.revision).toBe(1);
  });

  it('PUT of a missing flow creates it (201)', async () => {
    const res = await hub().call('PUT', '/flows/team.p/put-new', { yaml: flowYaml('team.p', 'put-new') });
    expect(res.status).toBe(201);
    expect(res.body.revision).toBe(1);
  });

  it('PUT accepts a JSON flow object', async () => {
    const flow = { id: 'put-json', namespace: 'team.p', tasks: [{ id: 'say', type: 'log', message: 'hi' }] };
    const res = await hub().call('PUT', '/flows/team.p/put-json', { json: flow });
    expect(res.status).toBe(201);
    expect(parse(res.body.source)).toEqual(flow);
  });

  it('PUT answers 400 when the id in the body differs from the path, and stores nothing', async () => {
    const api = hub();
    const res = await api.call('PUT', '/flows/team.p/path-id', { yaml: flowYaml('team.p', 'body-id') });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
    await expectNoFlow(api, 'team.p', 'path-id');
    await expectNoFlow(api, 'team.p', 'body-id');
  });

  it('PUT answers 400 when the namespace in the body differs from the path', async () => {
    const res = await hub().call('PUT', '/flows/team.p/ns-check', {
      yaml: flowYaml('team.other', 'ns-check'),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('namespace');
  });

  it('DELETE soft-deletes a flow: 204, then 404, with the history kept', async () => {
    const api = hub();
    await api.call('POST', '/flows', { yaml: flowYaml('team.d', 'delete-me') });
    const res = await api.call('DELETE', '/flows/team.d/delete-me');
    expect(res.status).toBe(204);
    expect((await api.call('GET', '/flows/team.d/delete-me')).status).toBe(404);
    const deleted = await api.call('GET', '/flows/team.d/delete-me?includeDeleted=true');
    expect(deleted.body.deleted).toBe(true);
    const revisions = await api.call('GET', '/flows/team.d/delete-me/revisions');
    expect(revisions.body.items.map((r: { deleted: boolean }) => r.deleted)).toEqual([false, true]);
  });

  it('DELETE of an unknown flow answers 404', async () => {
    const res = await hub().call('DELETE', '/flows/team.d/never-was');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('POST re-creates a deleted flow', async () => {
    const api = hub();
    await api.call('POST', '/flows', { yaml: flowYaml('team.d', 'phoenix') });
    await api.call('DELETE', '/flows/team.d/phoenix');
    const res = await api.call('POST', '/flows', { yaml: flowYaml('team.d', 'phoenix', 'again') });
    expect(res.status).toBe(201);
    expect(res.body.deleted).toBe(false);
  });

  it('lists every revision of a flow, oldest first', async () => {
    const api = hub();
    await api.call('POST', '/flows', { yaml: flowYaml('team.r', 'revs') });
    await api.call('PUT', '/flows/team.r/revs', { yaml: flowYaml('team.r', 'revs', 'two') });
    const res = await api.call('GET', '/flows/team.r/revs/revisions');
    expect(res.status).toBe(200);
    expect(res.body.items.map((r: { revision: number }) => r.revision)).toEqual([1, 2]);
  });

  it('gets one revision with its source', async () => {
    const api = hub();
    const first = flowYaml('team.r', 'one-rev');
    await api.call('POST', '/flows', { yaml: first });
    await api.call('PUT', '/flows/team.r/one-rev', { yaml: flowYaml('team.r', 'one-rev', 'two') });
    const res = await api.call('GET', '/flows/team.r/one-rev/revisions/1');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ revision: 1, source: first });
  });

  it('answers 404 for a revision that does not exist', async () => {
    const api = hub();
    await api.call('POST', '/flows', { yaml: flowYaml('team.r', 'few-revs') });
    const res = await api.call('GET', '/flows/team.r/few-revs/revisions/9');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('answers 400 naming the parameter for a revision that is not a number', async () => {
    const res = await hub().call('GET', '/flows/team.r/few-revs/revisions/abc');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST' });
    expect(res.body.error.details[0]).toMatchObject({ in: 'path', path: 'revision' });
  });

  it('lists flows of a namespace and its children', async () => {
    const api = hub();
    await api.call('POST', '/flows', { yaml: flowYaml('plant', 'root-flow') });
    await api.call('POST', '/flows', { yaml: flowYaml('plant.line1', 'child-flow') });
    await api.call('POST', '/flows', { yaml: flowYaml('plantation', 'other-flow') });
    const res = await api.call('GET', '/flows?namespace=plant');
    expect(res.status).toBe(200);
    expect(res.body.items.map((f: { id: string }) => f.id).sort()).toEqual(['child-flow', 'root-flow']);
  });

  it('pages through flows with the cursor', async () => {
    const api = hub();
    for (const id of ['p1', 'p2', 'p3']) await api.call('POST', '/flows', { yaml: flowYaml('paged', id) });
    const first = await api.call('GET', '/flows?namespace=paged&limit=2');
    expect(first.body.items).toHaveLength(2);
    const second = await api.call(
      'GET',
      `/flows?namespace=paged&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    );
    const ids = [...first.body.items, ...second.body.items].map((f: { id: string }) => f.id);
    expect(ids.sort()).toEqual(['p1', 'p2', 'p3']);
    expect(second.body.nextCursor).toBeUndefined();
  });

  it('searches flows by text', async () => {
    const api = hub();
    await api.call('POST', '/flows', { yaml: flowYaml('search', 'needle-in-haystack') });
    await api.call('POST', '/flows', { yaml: flowYaml('search', 'straw') });
    const res = await api.call('GET', '/flows?q=NEEDLE');
    expect(res.body.items.map((f: { id: string }) => f.id)).toEqual(['needle-in-haystack']);
  });

  it('answers 400 for a bad cursor', async () => {
    const res = await hub().call('GET', '/flows?cursor=not-a-cursor');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
  });

  it('answers 400 naming limit when it is out of range', async () => {
    const res = await hub().call('GET', '/flows?limit=0');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
    expect(res.body.error.message).toContain('limit');
  });

  it('answers 400 naming limit when it is not a number', async () => {
    const res = await hub().call('GET', '/flows?limit=many');
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]).toMatchObject({ in: 'query', path: 'limit' });
  });

  it('answers 400 naming an unknown query parameter', async () => {
    const res = await hub().call('GET', '/flows?namespce=typo');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('namespce');
  });

  it('answers 400 for a namespace that is not a valid id in the path', async () => {
    const res = await hub().call('GET', '/flows/-bad/x');
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]).toMatchObject({ in: 'path', path: 'namespace' });
  });

  it('answers 400 with the line and column for malformed YAML, and stores nothing', async () => {
    const api = hub();
    const res = await api.call('POST', '/flows', {
      yaml: 'id: broken\nnamespace: team.m\ntasks: [\n  - id: x\n',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
    expect(res.body.error.details[0]).toMatchObject({ line: expect.any(Number), column: expect.any(Number) });
    await expectNoFlow(api, 'team.m', 'broken');
  });

  it('answers 400 with the position for malformed JSON, and stores nothing', async () => {
    const api = hub();
    const res = await api.call('POST', '/flows', {
      body: '{"id": "bad-json", "namespace": "team.m",\n "tasks": [}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
    expect(res.body.error.details[0]).toMatchObject({ line: 2, column: expect.any(Number) });
    await expectNoFlow(api, 'team.m', 'bad-json');
  });

  it('answers 422 INVALID_FLOW listing every problem with line and column, and stores nothing', async () => {
    const api = hub();
    const source = `id: invalid-flow
namespace: team.v
tasks:
  - id: one
    type: lgo
    message: hi
  - id: two
    type: log
`;
    const res = await api.call('POST', '/flows', { yaml: source });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('INVALID_FLOW');
    const problems = res.body.error.details as { path: string; line: number; column: number }[];
    expect(problems.length).toBeGreaterThanOrEqual(2);
    for (const p of problems)
      expect(p).toMatchObject({ line: expect.any(Number), column: expect.any(Number) });
    expect(problems.map((p) => p.line)).toEqual(expect.arrayContaining([5, 7]));
    await expectNoFlow(api, 'team.v', 'invalid-flow');
  });

  it('answers 422 for a bad expression in a task property', async () => {
    const res = await hub().call('POST', '/flows', {
      yaml: 'id: bad-expr\nnamespace: team.v\ntasks:\n  - id: a\n    type: log\n    message: "{{ inputs. }}"\n',
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0]).toMatchObject({ path: 'tasks[0].message', line: 6 });
  });

  it('answers 400 for a body type it does not take', async () => {
    const res = await hub().call('POST', '/flows', {
      body: 'id: x',
      headers: { 'content-type': 'image/png' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('application/x-yaml');
  });

  it('answers 400 for an empty body', async () => {
    const res = await hub().call('POST', '/flows', { yaml: '' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
  });

  it('validates a correct flow without storing it', async () => {
    const api = hub();
    const res = await api.call('POST', '/flows/validate', { yaml: flowYaml('team.val', 'only-checked') });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ valid: true, problems: [] });
    await expectNoFlow(api, 'team.val', 'only-checked');
  });

  it('validate lists the problems of an invalid flow with 200', async () => {
    const res = await hub().call('POST', '/flows/validate', {
      yaml: 'id: v\nnamespace: team.val\ntasks:\n  - id: a\n    type: nope\n',
    });
    expect(res.status).toBe(200);
    expect(res.body.valid).toBe(false);
    expect(res.body.problems[0]).toMatchObject({
      path: 'tasks[0].type',
      line: 5,
      column: expect.any(Number),
    });
  });

  it('validate reports malformed YAML as a problem with its position', async () => {
    const res = await hub().call('POST', '/flows/validate', { yaml: 'id: v\n  namespace: : x\n' });
    expect(res.status).toBe(200);
    expect(res.body.valid).toBe(false);
    expect(res.body.problems[0]).toMatchObject({ line: expect.any(Number), column: expect.any(Number) });
  });
});
