/** Agent, plugin and schema routes over real HTTP. */
import { expect, it } from 'vitest';
import { describeApi } from '../support/hub-api.js';

describeApi('agents and plugins API', (hub) => {
  it('pre-registers an agent: 201 with the agent and its credential, which the broker accepts', async () => {
    const api = hub();
    const res = await api.call('POST', '/agents', { json: { id: 'gw-01', labels: { site: 'plant1' } } });
    expect(res.status).toBe(201);
    expect(res.body.agent).toMatchObject({ id: 'gw-01', labels: { site: 'plant1' }, decommissioned: false });
    expect(typeof res.body.token).toBe('string');
    expect(await api.storage.agents.verifyCredentials('gw-01', res.body.token)).toBe(true);
  });

  it('answers 409 when pre-registering a live agent again, and keeps its credential', async () => {
    const api = hub();
    const first = await api.call('POST', '/agents', { json: { id: 'gw-dup' } });
    const again = await api.call('POST', '/agents', { json: { id: 'gw-dup' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CONFLICT');
    expect(await api.storage.agents.verifyCredentials('gw-dup', first.body.token)).toBe(true);
  });

  it('answers 400 naming the field for an agent id that is not an id', async () => {
    const res = await hub().call('POST', '/agents', { json: { id: 'has space' } });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]).toMatchObject({ in: 'body', path: 'id' });
  });

  it('answers 400 naming the label whose value is not a string', async () => {
    const res = await hub().call('POST', '/agents', { json: { id: 'gw-labels', labels: { site: 3 } } });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]).toMatchObject({ in: 'body', path: 'labels.site' });
  });

  it('gets an agent', async () => {
    const api = hub();
    await api.call('POST', '/agents', { json: { id: 'gw-get', labels: { role: 'gateway' } } });
    const res = await api.call('GET', '/agents/gw-get');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'gw-get', labels: { role: 'gateway' }, online: false });
  });

  it('answers 404 for an unknown agent', async () => {
    const res = await hub().call('GET', '/agents/nobody');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('replaces the labels of an agent with PATCH', async () => {
    const api = hub();
    await api.call('POST', '/agents', { json: { id: 'gw-patch', labels: { site: 'a' } } });
    const res = await api.call('PATCH', '/agents/gw-patch', { json: { labels: { site: 'b', zone: 'z1' } } });
    expect(res.status).toBe(200);
    expect(res.body.labels).toEqual({ site: 'b', zone: 'z1' });
  });

  it('answers 404 when patching an unknown agent', async () => {
    const res = await hub().call('PATCH', '/agents/ghost', { json: { labels: {} } });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('filters agents by labels', async () => {
    const api = hub();
    await api.call('POST', '/agents', { json: { id: 'gw-f1', labels: { fleet: 'filter', role: 'a' } } });
    await api.call('POST', '/agents', { json: { id: 'gw-f2', labels: { fleet: 'filter', role: 'b' } } });
    const res = await api.call('GET', '/agents?labels=fleet:filter&labels=role:b');
    expect(res.status).toBe(200);
    expect(res.body.items.map((a: { id: string }) => a.id)).toEqual(['gw-f2']);
  });

  it('answers 400 for a label filter without a colon', async () => {
    const res = await hub().call('GET', '/agents?labels=nocolon');
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]).toMatchObject({ in: 'query', path: 'labels.0' });
  });

  it('decommissions an agent: 204, and its credential stops working', async () => {
    const api = hub();
    const { body } = await api.call('POST', '/agents', { json: { id: 'gw-old' } });
    const res = await api.call('DELETE', '/agents/gw-old');
    expect(res.status).toBe(204);
    expect(await api.storage.agents.verifyCredentials('gw-old', body.token)).toBe(false);
    expect((await api.call('GET', '/agents/gw-old')).body.decommissioned).toBe(true);
  });

  it('answers 404 when decommissioning an unknown agent', async () => {
    const res = await hub().call('DELETE', '/agents/never-registered');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it("rotates a live agent's token: 200 with the new one; only it works from then on", async () => {
    const api = hub();
    const { body } = await api.call('POST', '/agents', { json: { id: 'gw-rekey', labels: { site: 'a' } } });
    const res = await api.call('POST', '/agents/gw-rekey/token');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['token']);
    expect(res.body.token).not.toBe(body.token);
    expect(await api.storage.agents.verifyCredentials('gw-rekey', body.token)).toBe(false);
    expect(await api.storage.agents.verifyCredentials('gw-rekey', res.body.token)).toBe(true);
    expect((await api.call('GET', '/agents/gw-rekey')).body).toMatchObject({
      labels: { site: 'a' },
      decommissioned: false,
    });
  });

  it("answers 404 when rotating an unknown agent's token, 409 for a decommissioned one, which stays locked out", async () => {
    const api = hub();
    const unknown = await api.call('POST', '/agents/never-registered/token');
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'NOT_FOUND']);
    const { body } = await api.call('POST', '/agents', { json: { id: 'gw-retired' } });
    await api.call('DELETE', '/agents/gw-retired');
    const retired = await api.call('POST', '/agents/gw-retired/token');
    expect([retired.status, retired.body.error.code]).toEqual([409, 'CONFLICT']);
    expect((await api.call('GET', '/agents/gw-retired')).body.decommissioned).toBe(true);
    expect(await api.storage.agents.verifyCredentials('gw-retired', body.token)).toBe(false);
  });

  it('documents the token rotation in OpenAPI, and refuses an oversized agent id at the edge', async () => {
    const api = hub();
    const doc = await api.call('GET', '/openapi.json');
    const rotate = doc.body.paths['/api/v1/agents/{id}/token'].post;
    expect(rotate.operationId).toBe('rotateAgentToken');
    expect(Object.keys(rotate.responses).sort()).toEqual(expect.arrayContaining(['200', '404', '409']));
    expect(rotate.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path' })]),
    );
    const long = await api.call('POST', `/agents/${'a'.repeat(300)}/token`);
    expect(long.status).toBe(400);
    expect(long.body.error.details[0]).toMatchObject({ in: 'path', path: 'id' });
  });

  it('lists every task type with its aliases and property schema', async () => {
    const api = hub();
    const res = await api.call('GET', '/plugins');
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(api.services.registry.tasks().length);
    const log = res.body.items.find((p: { type: string }) => p.type === 'log');
    expect(log.aliases).toContain('io.kestra.plugin.core.log.Log');
    expect(log.properties.type).toBe('object');
    expect(typeof log.title).toBe('string');
  });

  it('serves the flow JSON Schema', async () => {
    const res = await hub().call('GET', '/schemas/flow');
    expect(res.status).toBe(200);
    expect(res.body.$schema).toContain('json-schema.org');
    expect(res.body.required).toEqual(expect.arrayContaining(['id', 'namespace', 'tasks']));
  });
});
