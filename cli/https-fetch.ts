/**
 * `fetch` over node:https with the hub's CA and pins: Node's built-in fetch
 * takes no CA of its own (only NODE_EXTRA_CA_CERTS, read at start-up).
 */
import { Agent, request } from 'node:https';
import { Readable } from 'node:stream';
import type { TlsClientOptions } from '../agent/hub-trust.js';

/** Statuses whose response has no body; `new Response` refuses one for them. */
const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * A `fetch` for https:// URLs that verifies the server with `tls`. It takes
 * what the API client sends (method, headers, a string body) and streams the
 * answer, so server-sent events arrive as they come.
 *
 * @example const fetch = httpsFetch(loadHubTrust({ caFile: 'ca.pem' }));
 */
export function httpsFetch(tls: TlsClientOptions): typeof fetch {
  // One agent per client: connections are reused, each verified once by the options above.
  const agent = new Agent({ ...tls, keepAlive: true });
  return (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    if (url.protocol !== 'https:')
      return Promise.reject(new TypeError(`${url.origin}: only https:// goes through this fetch`));
    if (init.body != null && typeof init.body !== 'string')
      return Promise.reject(new TypeError('only string bodies are sent over this fetch'));
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    return new Promise<Response>((resolve, reject) => {
      const req = request(url, { method: init.method ?? 'GET', headers, agent }, (res) => {
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers))
          for (const one of Array.isArray(value) ? value : [value ?? '']) responseHeaders.append(name, one);
        const status = res.statusCode ?? 500;
        const body = NO_BODY.has(status) ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
        if (!body) res.resume();
        resolve(new Response(body, { status, statusText: res.statusMessage, headers: responseHeaders }));
      });
      // Like fetch: a network failure is a TypeError whose cause says what happened.
      req.on('error', (err) => reject(new TypeError('fetch failed', { cause: err })));
      init.signal?.addEventListener('abort', () => req.destroy(init.signal?.reason as Error));
      req.end(init.body ?? undefined);
    });
  };
}
