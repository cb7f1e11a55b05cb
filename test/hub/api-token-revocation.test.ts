/**
 * Revoking API tokens over real HTTP: the last live token cannot be revoked,
 * and a revoked token's open requests (`/events`, `follow`, `wait=true`) end
 * at once. The real API and engine on PGlite, and on PostgreSQL when
 * TERN_TEST_PG_URL is set.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeApi, type EventStream, type HubApi, openEventStream, until } from '../support/hub-api.js';

const NS = 'revoke.t';
/** Long enough that a stream ending before it cannot be a heartbeat's doing. */
const HEARTBEAT_MS = 30_000;

/** Waits until resumed: its executions hold the requests that follow or wait for them. */
const HELD = `id: held
namespace: ${NS}
tasks:
  - id: hold
    type: pause
`;

/** Reads `stream` until it ends, returning what it sent before; rejects if it does not end within `timeoutMs`. */
async function readToEnd(stream: EventStream, timeoutMs: number): Promise<string[]> {
  const seen: string[] = [];
  const deadline = setTimeout(() => stream.close(), timeoutMs);
  try {
    for (;;) {
      try {
        seen.push((await stream.next()).event);
      } catch (err) {
        if ((err as Error).message === 'the event stream ended') return seen;
        throw new Error(`the stream did not end within ${timeoutMs} ms (${(err as Error).message})`);
      }
    }
  } finally {
    clearTimeout(deadline);
  }
}

/** A new token, with its id. */
async function newToken(api: HubApi, name: string): Promise<{ token: string; id: string }> {
  const res = await api.call('POST', '/tokens', { json: { name } });
  expect(res.status).toBe(201);
  return { token: res.body.token, id: res.body.info.id };
}

describeApi(
  'token revocation',
  (hub) => {
    const started: string[] = [];
    beforeAll(async () => {
      const res = await hub().call('POST', '/flows', { yaml: HELD });
      if (res.status !== 201) throw new Error(`cannot create the test flow: ${res.text}`);
    });
    afterAll(async () => {
      for (const id of started) await hub().call('POST', `/executions/${id}/kill`);
    });

    /** Starts an execution that pauses until killed. */
    async function heldExecution(api: HubApi): Promise<string> {
      const res = await api.call('POST', `/executions/${NS}/held`, { json: {} });
      expect(res.status).toBe(201);
      started.push(res.body.id);
      return res.body.id;
    }

    it('ends an open /events stream at once when its token is revoked', async () => {
      const api = hub();
      const { token, id } = await newToken(api, 'dashboard');
      const stream = await openEventStream(api, '/events', token);
      expect(stream.status).toBe(200);
      expect((await stream.next()).event).toBe('ready');
      const revokedAt = Date.now();
      expect((await api.call('DELETE', `/tokens/${id}`)).status).toBe(204);
      await readToEnd(stream, HEARTBEAT_MS);
      expect(Date.now() - revokedAt).toBeLessThan(HEARTBEAT_MS);
      const again = await api.call('GET', '/events', { token });
      expect(again.status).toBe(401);
    });

    it('leaves the streams of other tokens open', async () => {
      const api = hub();
      const kept = await newToken(api, 'kept');
      const gone = await newToken(api, 'gone');
      const stream = await openEventStream(api, '/events', kept.token);
      expect((await stream.next()).event).toBe('ready');
      expect((await api.call('DELETE', `/tokens/${gone.id}`)).status).toBe(204);
      // An event sent after the revocation still reaches the other token's stream.
      expect((await api.call('POST', '/flows', { yaml: HELD.replace('id: held', 'id: after') })).status).toBe(
        201,
      );
      const seen = await stream.until('flow');
      expect(seen.at(-1)?.data).toEqual({ namespace: NS, id: 'after' });
      stream.close();
    });

    it('ends an open follow stream at once, without its end event, when its token is revoked', async () => {
      const api = hub();
      const { token, id } = await newToken(api, 'follower');
      const executionId = await heldExecution(api);
      const stream = await openEventStream(api, `/executions/${executionId}/follow`, token);
      expect((await stream.next()).event).toBe('execution');
      const before = api.openFollowers();
      expect((await api.call('DELETE', `/tokens/${id}`)).status).toBe(204);
      const rest = await readToEnd(stream, HEARTBEAT_MS);
      expect(rest).not.toContain('end');
      await until(() => api.openFollowers() === before - 1, 'the follow subscription is released');
    });

    it('answers 401 to a wait=true request whose token is revoked while it waits', async () => {
      const api = hub();
      const { token, id } = await newToken(api, 'waiter');
      const waiting = api.call('POST', `/executions/${NS}/held?wait=true`, { token, json: {} });
      let waited: string | undefined;
      await until(async () => {
        const list = await api.call('GET', `/executions?namespace=${NS}&flowId=held&state=PAUSED`);
        waited = (list.body.items as { id: string }[]).map((e) => e.id).find((e) => !started.includes(e));
        return waited !== undefined;
      }, 'the waited execution is paused');
      started.push(waited!);
      expect((await api.call('DELETE', `/tokens/${id}`)).status).toBe(204);
      const res = await waiting;
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
      expect(res.body.error.message).toContain('revoked');
    });

    it('refuses to revoke the last live token: 409 with the reason, and the token still works', async () => {
      const api = hub();
      const { body } = await api.call('GET', '/tokens');
      const own = (body.items as { id: string; name: string; revokedAt: string | null }[]).filter(
        (t) => t.revokedAt === null,
      );
      const admin = own.find((t) => t.name === 'admin');
      expect(admin).toBeDefined();
      for (const t of own)
        if (t.id !== admin!.id) expect((await api.call('DELETE', `/tokens/${t.id}`)).status).toBe(204);
      const res = await api.call('DELETE', `/tokens/${admin!.id}`);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('CONFLICT');
      expect(res.body.error.message).toContain('last live token');
      expect(res.text).not.toContain(api.adminToken);
      expect((await api.call('GET', '/flows')).status).toBe(200);
      const after = await api.call('GET', '/tokens');
      expect(after.body.items.find((t: { id: string }) => t.id === admin!.id).revokedAt).toBeNull();
    });

    it('documents the 409 of revokeToken in the OpenAPI document', async () => {
      const { body } = await hub().call('GET', '/openapi.json');
      const revoke = body.paths['/api/v1/tokens/{id}'].delete;
      expect(revoke.operationId).toBe('revokeToken');
      expect(Object.keys(revoke.responses)).toEqual(expect.arrayContaining(['204', '404', '409']));
    });
  },
  { heartbeatMs: HEARTBEAT_MS },
);
