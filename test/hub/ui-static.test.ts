/** The web UI served by the hub beside the API: files, deep links, caching, gzip; the API unchanged. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../hub/api/app.js';
import { uiRoutes } from '../../hub/ui.js';
import { startHubApi } from '../support/hub-api.js';

const INDEX = '<!doctype html><title>Tern</title><div id="app"></div>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(4000))});`;

describe('web UI serving', () => {
  const root = mkdtempSync(join(tmpdir(), 'tern-ui-'));
  let url = '';
  let server: Server;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const dir = join(root, 'ui');
    mkdirSync(join(dir, 'assets'), { recursive: true });
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), SCRIPT);
    writeFileSync(join(dir, 'favicon.svg'), '<svg/>');
    // The real API and storage, with the UI added the way the hub adds it.
    const api = await startHubApi({ kind: 'pglite' });
    const app = createApi(api.services);
    uiRoutes(app, dir);
    server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await api.close();
    };
  }, 60_000);

  afterAll(async () => {
    await close?.();
    rmSync(root, { recursive: true, force: true });
  });

  it('answers / with index.html, not cached', async () => {
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toBe(INDEX);
  });

  it('answers deep links of the app with index.html', async () => {
    for (const path of ['/flows/plant.line1/collect', '/executions/abc?tab=logs', '/agents']) {
      const res = await fetch(url + path);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(INDEX);
    }
  });

  it('serves hashed assets cached for a year, gzipped when accepted', async () => {
    const res = await fetch(`${url}/assets/index-abc123.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/javascript');
    expect(res.headers.get('cache-control')).toContain('immutable');
    // fetch decodes gzip itself; the raw bytes are checked through a plain request below.
    expect(await res.text()).toBe(SCRIPT);
    const raw = await new Promise<{ encoding?: string; body: Buffer }>((resolve, reject) => {
      import('node:http').then(({ get }) =>
        get(`${url}/assets/index-abc123.js`, { headers: { 'accept-encoding': 'gzip' } }, (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () =>
            resolve({ encoding: r.headers['content-encoding'], body: Buffer.concat(chunks) }),
          );
        }).on('error', reject),
      );
    });
    expect(raw.encoding).toBe('gzip');
    expect(gunzipSync(raw.body).toString()).toBe(SCRIPT);
  });

  it('answers a missing asset with 404, not the app', async () => {
    const res = await fetch(`${url}/assets/index-gone.js`);
    expect(res.status).toBe(404);
  });

  it('leaves the API, its unknown routes and the docs as they were', async () => {
    const health = await fetch(`${url}/api/v1/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', database: 'ok' });
    const unknown = await fetch(`${url}/api/v1/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    const unauthenticated = await fetch(`${url}/api/v1/flows`);
    expect(unauthenticated.status).toBe(401);
    const docs = await fetch(`${url}/api/docs`);
    expect(await docs.text()).toContain('swagger-ui');
  });
});
