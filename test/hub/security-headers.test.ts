/**
 * Security headers on what the hub serves: the web UI and its assets, the API
 * docs and the API, over plain HTTP (HSTS over HTTPS is in tls.test.ts).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../hub/api/app.js';
import { uiRoutes } from '../../hub/ui.js';
import { ROOT } from '../support/cli.js';
import { type HubApi, startHubApi } from '../support/hub-api.js';

/** Every `<script>` of an HTML page that has no `src`: what `script-src 'self'` would block. */
const inlineScripts = (html: string) =>
  [...html.matchAll(/<script\b([^>]*)>/g)].filter((m) => !/\bsrc=/.test(m[1]!));

describe('security headers', () => {
  const root = mkdtempSync(join(tmpdir(), 'tern-headers-'));
  let url = '';
  let api: HubApi;
  let server: Server;

  beforeAll(async () => {
    const dir = join(root, 'ui');
    mkdirSync(join(dir, 'assets'), { recursive: true });
    writeFileSync(join(dir, 'index.html'), readFileSync(join(ROOT, 'ui', 'index.html')));
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1);');
    api = await startHubApi({ kind: 'pglite' });
    const app = createApi(api.services);
    uiRoutes(app, dir);
    server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 60_000);

  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await api?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const get = (path: string, token?: string) =>
    fetch(url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it.each([
    ['the UI at /', '/'],
    ['a deep link of the UI', '/flows/plant/check'],
    ['a UI asset', '/assets/index-abc123.js'],
    ['the API docs', '/api/docs'],
    ['an API docs asset', '/api/docs/swagger-ui-bundle.js'],
    ['an API route', '/api/v1/healthz'],
    ['an API error', '/api/v1/flows'],
    ['an unknown API route', '/api/v1/nothing-here'],
  ])('%s forbids framing and sniffing and sends no referrer, and no HSTS over HTTP', async (_, path) => {
    const res = await get(path);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });

  it('lets the UI run scripts from the hub only, and its page has no inline script', async () => {
    const res = await get('/');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toMatch(/script-src 'self';/);
    expect(csp).toContain("object-src 'none'");
    expect(inlineScripts(await res.text())).toEqual([]);
  });

  it('lets the API docs run Swagger UI from the hub, with its start-up script a file too', async () => {
    const res = await get('/api/docs');
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self';/);
    const html = await res.text();
    expect(inlineScripts(html)).toEqual([]);
    const initializer = await get('/api/docs/swagger-initializer.js');
    expect(initializer.status).toBe(200);
    expect(initializer.headers.get('content-type')).toContain('javascript');
    expect(await initializer.text()).toContain('/api/v1/openapi.json');
  });

  it('lets nothing load or run from an API answer', async () => {
    const res = await get('/api/v1/flows', api.adminToken);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(
      "default-src 'none'; frame-ancestors 'none'; sandbox",
    );
  });
});
