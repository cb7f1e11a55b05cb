/** Requests that used to reach the database and fail there (500) are refused at the edge with a 400 naming the field. */
import { beforeAll, expect, it } from 'vitest';
import { STATES } from '../../protocol/states.js';
import { describeApi } from '../support/hub-api.js';

const NS = 'edge.t';

const FLOW = `id: one
namespace: ${NS}
tasks:
  - id: hello
    type: log
    message: hello
`;

/** A cursor as the store encodes them, its key part carrying NUL. */
const nulCursor = Buffer.from(JSON.stringify(['flows', 'a\u0000', 'b'])).toString('base64url');

describeApi('API edge limits', (hub) => {
  beforeAll(async () => {
    const res = await hub().call('POST', '/flows', { yaml: FLOW });
    if (res.status !== 201) throw new Error(`cannot create the test flow: ${res.text}`);
    const run = await hub().call('POST', `/executions/${NS}/one?wait=true`, { json: {} });
    if (run.status !== 201) throw new Error(`cannot run the test flow: ${run.text}`);
  });

  it('answers 400 naming revision for a revision number beyond a 32-bit integer', async () => {
    const res = await hub().call('GET', `/flows/${NS}/one/revisions/99999999999`);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { in: 'path', path: 'revision', message: "path parameter 'revision' must be <= 2147483647" },
    ]);
  });

  it('answers 400 naming revision for a rollout of a revision beyond a 32-bit integer', async () => {
    const res = await hub().call('POST', '/rollouts', {
      json: { namespace: NS, flowId: 'one', revision: 63320010211992592 },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { in: 'body', path: 'revision', message: expect.stringContaining('2147483647') },
    ]);
  });

  it('answers 400 naming the field an agent version rollout does not take, not the flow fields it lacks', async () => {
    const res = await hub().call('POST', '/rollouts', { json: { agentVersion: '2.0.0', flowId: 'one' } });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { in: 'body', path: 'flowId', message: "unknown body field 'flowId'" },
    ]);
  });

  it('bounds every integer a request carries, so none reaches the database out of range', async () => {
    const doc = (await hub().call('GET', '/openapi.json', { token: null })).body;
    const unbounded: string[] = [];
    const walk = (schema: unknown, where: string): void => {
      if (!schema || typeof schema !== 'object') return;
      const node = schema as Record<string, unknown>;
      if (node.type === 'integer' && node.maximum === undefined) unbounded.push(where);
      for (const [key, child] of Object.entries(node)) {
        if (!Array.isArray(child)) walk(child, `${where}.${key}`);
        else for (const [i, item] of child.entries()) walk(item, `${where}.${key}[${i}]`);
      }
    };
    type Operation = { parameters?: { name: string; schema: unknown }[]; requestBody?: unknown };
    for (const [path, methods] of Object.entries<Record<string, Operation>>(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        for (const param of op.parameters ?? []) walk(param.schema, `${method} ${path} ${param.name}`);
        walk(op.requestBody, `${method} ${path} body`);
      }
    }
    expect(unbounded).toEqual([]);
  });

  it('still answers 404 for the largest revision number that is not stored', async () => {
    const res = await hub().call('GET', `/flows/${NS}/one/revisions/2147483647`);
    expect(res.status).toBe(404);
  });

  it.each([
    ['/flows?q=a%00b', 'q'],
    ['/flows?namespace=a%00', 'namespace'],
    ['/executions?labels=site%00:x', 'labels'],
    ['/executions?labels=site:x%00', 'labels'],
    ['/agents?labels=site:%00', 'labels'],
    ['/stats/executions?namespace=%00', 'namespace'],
    ['/executions?flowId=a%00', 'flowId'],
  ])('answers 400 for NUL in a list filter: %s', async (path, name) => {
    const res = await hub().call('GET', path);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BAD_REQUEST');
    expect(res.body.error.details).toContainEqual({
      in: 'query',
      path: name,
      message: `query parameter '${name}' must not contain NUL (U+0000)`,
    });
  });

  it('answers 400 for a cursor whose key holds NUL', async () => {
    const res = await hub().call('GET', `/flows?cursor=${nulCursor}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', message: 'invalid cursor' });
  });

  it('answers 400 naming name for a token name holding NUL, and creates no token', async () => {
    const before = (await hub().call('GET', '/tokens')).body.items.length;
    const res = await hub().call('POST', '/tokens', { json: { name: 'ci\u0000' } });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { in: 'body', path: 'name', message: "body field 'name' must not contain NUL (U+0000)" },
    ]);
    expect((await hub().call('GET', '/tokens')).body.items.length).toBe(before);
  });

  it('names every state in each bucket of /stats/executions, as its schema requires', async () => {
    const res = await hub().call('GET', `/stats/executions?namespace=${NS}&interval=day`);
    expect(res.status).toBe(200);
    expect(res.body.buckets).toHaveLength(1);
    const counts = res.body.buckets[0].counts;
    expect(Object.keys(counts).sort()).toEqual([...STATES].sort());
    expect(counts.SUCCESS).toBe(1);
    expect(counts.FAILED).toBe(0);
  });

  it('documents each event of its streams as a server-sent event, as clients parse them', async () => {
    const doc = (await hub().call('GET', '/openapi.json', { token: null })).body;
    for (const path of ['/api/v1/events', '/api/v1/executions/{id}/follow']) {
      const schema = doc.paths[path].get.responses['200'].content['text/event-stream'].schema;
      expect(schema).toMatchObject({ type: 'object', required: ['event', 'data'] });
    }
  });
});
