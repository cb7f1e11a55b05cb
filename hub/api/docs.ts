/** Interactive API docs: Swagger UI served from the `swagger-ui-dist` package (no CDN: hubs run offline). */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Hono } from 'hono';
import { TernError } from '../../protocol/errors.js';
import type { ApiEnv } from './route.js';

/** The only files served, so no path can reach anything else on disk. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

/** Starts Swagger UI; a file of its own rather than an inline script, which the docs' CSP does not allow. */
const initializer = (specUrl: string) => `window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(specUrl)},
  dom_id: '#swagger-ui',
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
  persistAuthorization: true,
  validatorUrl: null,
});
`;
const INITIALIZER = 'swagger-initializer.js';

const page = (prefix: string) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Tern hub API</title>
  <link rel="stylesheet" href="${prefix}/swagger-ui.css">
  <link rel="icon" type="image/png" href="${prefix}/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${prefix}/swagger-ui-bundle.js"></script>
  <script src="${prefix}/swagger-ui-standalone-preset.js"></script>
  <script src="${prefix}/${INITIALIZER}"></script>
</body>
</html>
`;

/**
 * Serves the docs page at `prefix` and its assets below it. Public, like the
 * OpenAPI document: they describe the API, they do not call it.
 */
export function docsRoutes(app: Hono<ApiEnv>, prefix: string, specUrl: string): void {
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const cache = new Map<string, Uint8Array<ArrayBuffer>>();
  const html = page(prefix);
  const start = initializer(specUrl);
  app.get(prefix, (c) => {
    c.set('route', prefix);
    return c.html(html);
  });
  app.get(`${prefix}/:file`, async (c) => {
    c.set('route', `${prefix}/:file`);
    const file = c.req.param('file');
    if (file === INITIALIZER)
      return c.body(start, 200, {
        'Content-Type': 'text/javascript; charset=utf-8',
        'Cache-Control': 'no-cache',
      });
    const type = ASSETS[file];
    if (!type) throw new TernError('NOT_FOUND', `no docs asset ${file}`);
    let content = cache.get(file);
    if (!content) {
      content = new Uint8Array(await readFile(join(dir, file)));
      cache.set(file, content);
    }
    return c.body(content, 200, { 'Content-Type': type, 'Cache-Control': 'public, max-age=86400' });
  });
}
