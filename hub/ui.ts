/**
 * Serves the built web UI (`dist/ui`, from `ui/`) at `/`: hashed assets cached
 * for a year, `index.html` for every other path outside the API so that
 * deep links work, gzip when the client accepts it.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Context, Hono } from 'hono';
import type { ApiEnv } from './api/route.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json']);
/** Paths that belong to the API or the broker: never answered with the UI. */
const RESERVED = ['/api/', '/mqtt'];

interface Asset {
  body: Uint8Array<ArrayBuffer>;
  gzip: Uint8Array<ArrayBuffer> | undefined;
  type: string;
  cache: string;
}

/** `dist/ui` of the package this module belongs to, run from source or from `dist/`. */
export function defaultUiDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'ui');
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Tern</title>
<p>The web UI is not built: run <code>npm run build</code>. The API is at <a href="/api/docs">/api/docs</a>.</p>`;

async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'));
}

async function load(root: string): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  if (!existsSync(join(root, 'index.html'))) return assets;
  for (const file of await listFiles(root)) {
    const body = new Uint8Array(await readFile(join(root, file)));
    const ext = extname(file);
    assets.set(`/${file}`, {
      body,
      gzip: COMPRESSIBLE.has(ext) && body.length > 1024 ? new Uint8Array(gzipSync(body)) : undefined,
      type: TYPES[ext] ?? 'application/octet-stream',
      // Vite names everything under assets/ by content hash; the rest may change at any build.
      cache: file.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  }
  return assets;
}

function send(c: Context<ApiEnv>, asset: Asset): Response {
  const gzip = asset.gzip && /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
  const headers: Record<string, string> = {
    'Content-Type': asset.type,
    'Cache-Control': asset.cache,
    Vary: 'Accept-Encoding',
  };
  if (gzip) headers['Content-Encoding'] = 'gzip';
  return c.body(gzip ? asset.gzip! : asset.body, 200, headers);
}

/**
 * Adds the UI to `app`, after the API's routes: files of `dir` by their path,
 * `index.html` for any other GET outside `/api/` and `/mqtt`. The files are
 * read once, at the first request.
 *
 * @example uiRoutes(app, defaultUiDir());
 */
export function uiRoutes(app: Hono<ApiEnv>, dir: string): void {
  let assets: Promise<Map<string, Asset>> | undefined;
  app.get('*', async (c) => {
    const path = c.req.path;
    if (RESERVED.some((p) => path.startsWith(p) || `${path}/` === p)) return c.notFound();
    c.set('route', '/ui');
    assets ??= load(dir);
    const files = await assets;
    const index = files.get('/index.html');
    if (!index) return c.html(NOT_BUILT, 503);
    const file = files.get(path);
    if (file) return send(c, file);
    // A missing hashed asset is a stale page asking for an old build: a 404, not the app.
    if (path.startsWith('/assets/')) return c.notFound();
    return send(c, index);
  });
}
