/** Authentication, tokens, health, metrics, the error shape, body limits, OpenAPI and the docs page. */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect, it } from 'vitest';
import { describeApi } from '../support/hub-api.js';

const flowYaml = (id: string) =>
  `id: ${id}\nnamespace: auth.t\ntasks:\n  - id: a\n    type: log\n    message: hi\n`;

describeApi(
  'API authentication and tokens',
  (hub) => {
    it('answers 401 UNAUTHORIZED without a token', async () => {
      const res = await hub().call('GET', '/flows', { token: null });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
    });

    it('answers 401 for a wrong token, without echoing it', async () => {
      const res = await hub().call('GET', '/flows', { token: 'tern_wrong_secret' });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
      expect(res.text).not.toContain('tern_wrong_secret');
    });

    it('answers 401 for a malformed Authorization header', async () => {
      const res = await hub().call('GET', '/flows', {
        token: null,
        headers: { authorization: 'Basic dTpw' },
      });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
    });

    it('stores nothing for an unauthenticated write', async () => {
      const api = hub();
      const res = await api.call('POST', '/flows', { token: null, yaml: flowYaml('unauthenticated') });
      expect(res.status).toBe(401);
      expect(await api.storage.flows.revisions('auth.t', 'unauthenticated')).toEqual([]);
    });

    it('creates a token that works at once, shown in the response only', async () => {
      const api = hub();
      const created = await api.call('POST', '/tokens', { json: { name: 'ci' } });
      expect(created.status).toBe(201);
      expect(created.body.info).toMatchObject({ name: 'ci', revokedAt: null });
      expect((await api.call('GET', '/flows', { token: created.body.token })).status).toBe(200);
      const listed = await api.call('GET', '/tokens');
      expect(listed.text).not.toContain(created.body.token);
    });

    it('lists tokens by name and prefix', async () => {
      const api = hub();
      await api.call('POST', '/tokens', { json: { name: 'listed' } });
      const res = await api.call('GET', '/tokens');
      expect(res.status).toBe(200);
      expect(res.body.items.map((t: { name: string }) => t.name)).toContain('listed');
    });

    it('revokes a token: 204, and the token is refused afterwards', async () => {
      const api = hub();
      const { body } = await api.call('POST', '/tokens', { json: { name: 'short-lived' } });
      const res = await api.call('DELETE', `/tokens/${body.info.id}`);
      expect(res.status).toBe(204);
      const after = await api.call('GET', '/flows', { token: body.token });
      expect(after.status).toBe(401);
      expect(after.body.error.code).toBe('UNAUTHORIZED');
    });

    it('answers 404 when revoking an unknown token', async () => {
      const res = await hub().call('DELETE', '/tokens/no-such-token');
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    });

    it('answers 400 naming the field when a token has no name', async () => {
      const res = await hub().call('POST', '/tokens', { json: {} });
      expect(res.status).toBe(400);
      expect(res.body.error.details[0]).toMatchObject({ in: 'body', path: 'name' });
    });

    it('answers 400 naming an unexpected body field', async () => {
      const res = await hub().call('POST', '/tokens', { json: { name: 'x', admin: true } });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain('admin');
    });

    it('serves /healthz without a token', async () => {
      const res = await hub().call('GET', '/healthz', { token: null });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok', database: 'ok' });
    });

    it('requires a token for /metrics', async () => {
      const res = await hub().call('GET', '/metrics', { token: null });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
    });

    it('counts requests by route template and status in /metrics', async () => {
      const api = hub();
      await api.call('GET', '/flows/auth.t/not-there');
      const res = await api.call('GET', '/metrics');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      expect(res.text).toMatch(
        /tern_http_requests_total\{method="GET",route="\/api\/v1\/flows\/:namespace\/:id",status="404"\} [1-9]/,
      );
      expect(res.text).toContain('tern_http_request_duration_seconds_bucket');
    });

    it('answers unknown routes with 404 in the error shape', async () => {
      const res = await hub().call('GET', '/no/such/route');
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    });

    it('answers 413 PAYLOAD_TOO_LARGE above the body limit, and stores nothing', async () => {
      const api = hub();
      const big = `${flowYaml('too-big')}description: "${'x'.repeat(80 * 1024)}"\n`;
      const res = await api.call('POST', '/flows', { yaml: big });
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
      expect(await api.storage.flows.revisions('auth.t', 'too-big')).toEqual([]);
    });

    it('answers 413 for an oversized body sent without a length (chunked)', async () => {
      const api = hub();
      const chunk = new TextEncoder().encode('x'.repeat(16 * 1024));
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 8; i++) controller.enqueue(chunk);
          controller.close();
        },
      });
      const res = await fetch(`${api.url}/api/v1/flows`, {
        method: 'POST',
        headers: { authorization: `Bearer ${api.adminToken}`, 'content-type': 'application/x-yaml' },
        body: stream,
        duplex: 'half',
      } as RequestInit);
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('serves the OpenAPI document without a token', async () => {
      const res = await hub().call('GET', '/openapi.json', { token: null });
      expect(res.status).toBe(200);
      expect(res.body.openapi).toBe('3.1.0');
    });

    it('documents every route with its parameters', async () => {
      const { body } = await hub().call('GET', '/openapi.json');
      const flow = body.paths['/api/v1/flows/{namespace}/{id}'];
      expect(Object.keys(flow).sort()).toEqual(['delete', 'get', 'put']);
      expect(flow.get.parameters.map((p: { name: string }) => p.name)).toEqual([
        'namespace',
        'id',
        'includeDeleted',
      ]);
      expect(body.paths['/api/v1/executions/webhook/{namespace}/{flowId}/{key}'].post.security).toEqual([]);
      expect(Object.keys(body.paths)).toEqual(
        expect.arrayContaining([
          '/api/v1/agents',
          '/api/v1/tokens',
          '/api/v1/plugins',
          '/api/v1/executions/{id}/follow',
        ]),
      );
    });

    it('documents request bodies with the schema that validates them', async () => {
      const { body } = await hub().call('GET', '/openapi.json');
      const schema = body.paths['/api/v1/tokens'].post.requestBody.content['application/json'].schema;
      expect(schema).toMatchObject({ type: 'object', required: ['name'], additionalProperties: false });
      const refused = await hub().call('POST', '/tokens', { json: { name: '' } });
      expect(refused.status).toBe(400);
      expect(schema.properties.name.minLength).toBe(1);
    });

    it('gives every response schema of the OpenAPI document as valid JSON Schema whose references resolve', async () => {
      const { body } = await hub().call('GET', '/openapi.json');
      const ajv = new Ajv2020({ strict: false, validateFormats: false });
      let count = 0;
      for (const item of Object.values(body.paths) as Record<
        string,
        { responses: Record<string, unknown> }
      >[]) {
        for (const op of Object.values(item)) {
          for (const response of Object.values(op.responses) as {
            content?: Record<string, { schema: object }>;
          }[]) {
            for (const media of Object.values(response.content ?? {})) {
              ajv.compile({ ...media.schema, components: body.components });
              count++;
            }
          }
        }
      }
      expect(count).toBeGreaterThan(20);
    });

    it('serves the interactive docs and their assets from the hub itself', async () => {
      const api = hub();
      const page = await api.call('GET', '/api/docs', { token: null });
      expect(page.status).toBe(200);
      expect(page.text).toContain('/api/docs/swagger-initializer.js');
      expect(page.text).not.toMatch(/https?:\/\//);
      const initializer = await api.call('GET', '/api/docs/swagger-initializer.js', { token: null });
      expect(initializer.text).toContain('/api/v1/openapi.json');
      expect(initializer.text).not.toMatch(/https?:\/\//);
      const bundle = await fetch(`${api.url}/api/docs/swagger-ui-bundle.js`);
      expect(bundle.status).toBe(200);
      expect(bundle.headers.get('content-type')).toContain('javascript');
    });

    it('refuses docs files that are not Swagger UI assets', async () => {
      const res = await hub().call('GET', '/api/docs/package.json', { token: null });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    });
  },
  { bodyLimitBytes: 64 * 1024 },
);
