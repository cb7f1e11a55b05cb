/**
 * Security headers on every response (hono's `secureHeaders`), with a
 * Content-Security-Policy per kind of page: the web UI, the Swagger UI docs,
 * and the API itself, which serves no page at all.
 */
import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { ApiEnv } from './route.js';

/** hono exports the middleware but not its options' types. */
type SecureHeadersOptions = NonNullable<Parameters<typeof secureHeaders>[0]>;
type Policy = NonNullable<SecureHeadersOptions['contentSecurityPolicy']>;

/**
 * The web UI: scripts and everything else from the hub only (no inline
 * script: the theme is set by `/theme.js`). Styles may also be inline:
 * CodeMirror adds its own `<style>` element (as Swagger UI does), and a
 * style runs no script. `data:` images for icons drawn as SVG.
 */
export const UI_POLICY: Policy = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** Swagger UI at /api/docs: its bundle and initializer are served by the hub; it draws icons as `data:` SVG. */
export const DOCS_POLICY: Policy = { ...UI_POLICY };

/** API answers are data, never a page: nothing may load or run from one, even an HTML file served by mistake. */
export const API_POLICY: Policy = {
  defaultSrc: ["'none'"],
  frameAncestors: ["'none'"],
  sandbox: [],
};

/**
 * The middleware. HSTS is sent only when the hub serves HTTPS (over plain
 * HTTP it would be ignored, and it would lock browsers out of a hub that goes
 * back to HTTP). `apiPrefix` and `docsPath` say which policy applies.
 *
 * @example app.use('*', securityHeaders({ https: true, apiPrefix: '/api/v1', docsPath: '/api/docs' }));
 */
export function securityHeaders(options: {
  https: boolean;
  apiPrefix: string;
  docsPath: string;
}): MiddlewareHandler<ApiEnv> {
  const common = {
    strictTransportSecurity: options.https ? 'max-age=31536000' : false,
    xFrameOptions: 'DENY',
    referrerPolicy: 'no-referrer',
    xContentTypeOptions: true,
  } satisfies SecureHeadersOptions;
  const ui = secureHeaders({ ...common, contentSecurityPolicy: UI_POLICY });
  const docs = secureHeaders({ ...common, contentSecurityPolicy: DOCS_POLICY });
  const api = secureHeaders({ ...common, contentSecurityPolicy: API_POLICY });
  const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
  return (c, next) => {
    const path = c.req.path;
    if (under(path, options.docsPath)) return docs(c, next);
    if (under(path, options.apiPrefix)) return api(c, next);
    return ui(c, next);
  };
}
