/** http.request against a real node:http server on 127.0.0.1. */
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskError } from '../../protocol/errors.js';
import { testContext } from '../../test/support/task-context.js';
import request from './request.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

/** What the server saw of the last request to /echo. */
interface Echo {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let server: Server;
let base: string;
let dir: string;
const received: IncomingMessage[] = [];
const routes: Record<string, Handler> = {
  '/hello': (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.setHeader('set-cookie', ['a=1', 'b=2']);
    res.end(JSON.stringify({ hello: 'wörld' }));
  },
  '/echo': (req, res, body) => {
    const echo: Echo = { method: req.method ?? '', headers: req.headers, body: body.toString('utf8') };
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(echo));
  },
  '/redirect': (_req, res) => {
    res.writeHead(302, { location: '/hello' });
    res.end();
  },
  '/never': () => {}, // holds the request open: the client has to give up
  '/stall': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first chunk, then nothing');
  },
  '/big': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('x'.repeat(4096));
  },
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tern-http-'));
  server = createServer((req, res) => {
    received.push(req);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const status = /^\/status\/(\d{3})$/.exec(path);
      if (status) {
        res.writeHead(Number(status[1]), { 'content-type': 'text/plain' });
        res.end(`answer ${status[1]}`);
        return;
      }
      const route = routes[path];
      if (route) route(req, res, Buffer.concat(chunks));
      else res.writeHead(404).end('no such route');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

type Props = Parameters<typeof request.run>[0];
async function call(props: Props, ctx = testContext()) {
  const result = await request.run(props, ctx);
  return result?.outputs as {
    uri: string;
    code: number;
    headers: Record<string, string[]>;
    body: string;
    length: number;
  };
}
async function failure(props: Props, ctx = testContext()): Promise<TaskError> {
  const error = await Promise.resolve()
    .then(() => request.run(props, ctx))
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  if (!(error instanceof TaskError)) throw new Error(`expected a TaskError, got ${String(error)}`);
  return error;
}
const echoOf = (outputs: { body: string }) => JSON.parse(outputs.body) as Echo;

describe('http.request', () => {
  it('is registered under its short type and Kestra name', () => {
    expect([request.type, ...request.aliases]).toEqual([
      'http.request',
      'io.kestra.plugin.core.http.Request',
    ]);
  });

  it('returns the code, the body as a string, its length in bytes and the URI of a GET', async () => {
    const outputs = await call({ uri: `${base}/hello` });
    const body = JSON.stringify({ hello: 'wörld' });
    expect(outputs).toMatchObject({ code: 200, body, length: Buffer.byteLength(body), uri: `${base}/hello` });
  });

  it('returns response headers as lists, one entry per cookie', async () => {
    const outputs = await call({ uri: `${base}/hello` });
    expect([outputs.headers['content-type'], outputs.headers['set-cookie']]).toEqual([
      ['application/json'],
      ['a=1', 'b=2'],
    ]);
  });

  it('sends the given headers, repeating a header given as a list', async () => {
    const outputs = await call({ uri: `${base}/echo`, headers: { 'x-site': 'plant1', 'x-tag': ['a', 'b'] } });
    expect(echoOf(outputs).headers).toMatchObject({ 'x-site': 'plant1', 'x-tag': 'a, b' });
  });

  it('posts a string body with the given content type', async () => {
    const body = JSON.stringify({ sensor: 't1', value: 21.5 });
    const outputs = await call({
      uri: `${base}/echo`,
      method: 'POST',
      body,
      contentType: 'application/json',
    });
    expect(echoOf(outputs)).toMatchObject({
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
  });

  it('posts a map body as JSON', async () => {
    const outputs = await call({ uri: `${base}/echo`, method: 'PUT', body: { value: 21.5 } });
    expect(echoOf(outputs)).toMatchObject({
      body: '{"value":21.5}',
      headers: { 'content-type': 'application/json' },
    });
  });

  it('posts formData URL-encoded by default', async () => {
    const outputs = await call({ uri: `${base}/echo`, method: 'POST', formData: { user: 'John Doe', n: 3 } });
    const echo = echoOf(outputs);
    expect([echo.body, echo.headers['content-type']]).toEqual([
      'user=John+Doe&n=3',
      'application/x-www-form-urlencoded;charset=UTF-8',
    ]);
  });

  it('posts formData as multipart, sending a stored file as a file', async () => {
    const ctx = testContext();
    const source = join(dir, 'readings.csv');
    writeFileSync(source, 'ts,temp\n1,21.5\n');
    const uri = await ctx.storage.put('exec1', 'run1', 'readings.csv', source);
    const outputs = await call(
      {
        uri: `${base}/echo`,
        method: 'POST',
        contentType: 'multipart/form-data',
        formData: { site: 'plant1', file: uri },
      },
      ctx,
    );
    const echo = echoOf(outputs);
    const form = await new Response(echo.body, {
      headers: { 'content-type': String(echo.headers['content-type']) },
    }).formData();
    const file = form.get('file') as File;
    expect([form.get('site'), file.name, await file.text()]).toEqual([
      'plant1',
      'readings.csv',
      'ts,temp\n1,21.5\n',
    ]);
  });

  it('sends basic credentials from options.auth', async () => {
    const outputs = await call({
      uri: `${base}/echo`,
      options: { auth: { type: 'BASIC', username: 'admin', password: 's3cret' } },
    });
    expect(echoOf(outputs).headers.authorization).toBe(
      `Basic ${Buffer.from('admin:s3cret').toString('base64')}`,
    );
  });

  it('sends credentials written in the URL as basic auth', async () => {
    const outputs = await call({ uri: `${base.replace('//', '//admin:s3cret@')}/echo` });
    expect(echoOf(outputs).headers.authorization).toBe(
      `Basic ${Buffer.from('admin:s3cret').toString('base64')}`,
    );
  });

  it('keeps credentials written in the URL out of error messages', async () => {
    const uri = `${base.replace('//', '//admin:s3cret@')}/status/404`;
    const error = await failure({ uri });
    expect(error.message).not.toContain('s3cret');
  });

  it('follows redirects by default', async () => {
    const outputs = await call({ uri: `${base}/redirect` });
    expect(outputs.code).toBe(200);
  });

  it('returns a redirect as it is when followRedirects is false', async () => {
    const outputs = await call({ uri: `${base}/redirect`, options: { followRedirects: false } });
    expect([outputs.code, outputs.headers.location]).toEqual([302, ['/hello']]);
  });

  it('fails on a 404 with an error naming the code and the URL', async () => {
    const error = await failure({ uri: `${base}/status/404` });
    expect(error.message).toBe(`GET ${base}/status/404 answered 404 Not Found: answer 404`);
  });

  it('does not retry a 4xx answer', async () => {
    expect((await failure({ uri: `${base}/status/400` })).retryable).toBe(false);
  });

  it('retries a 5xx answer', async () => {
    expect((await failure({ uri: `${base}/status/503` })).retryable).toBe(true);
  });

  it('retries a 429 answer', async () => {
    expect((await failure({ uri: `${base}/status/429` })).retryable).toBe(true);
  });

  it('returns a failed answer as outputs when allowFailed is set', async () => {
    const outputs = await call({ uri: `${base}/status/500`, options: { allowFailed: true } });
    expect([outputs.code, outputs.body]).toEqual([500, 'answer 500']);
  });

  it('fails on a code outside allowedResponseCodes', async () => {
    const error = await failure({ uri: `${base}/status/201`, options: { allowedResponseCodes: [200] } });
    expect(error.message).toContain('answered 201');
  });

  it('gives up, retryably, when no answer comes within readTimeout', async () => {
    const error = await failure({ uri: `${base}/never`, options: { readTimeout: 'PT0.2S' } });
    expect([error.message, error.retryable]).toEqual([
      `GET ${base}/never: timed out: no response within readTimeout PT0.2S`,
      true,
    ]);
  });

  it('gives up when the body stalls for longer than readTimeout', async () => {
    const error = await failure({ uri: `${base}/stall`, options: { readTimeout: 'PT0.2S' } });
    expect(error.message).toContain('the response body stalled for longer than readTimeout PT0.2S');
  });

  it('stops when the task is killed', async () => {
    const ctx = testContext();
    const before = received.length;
    const pending = failure({ uri: `${base}/never` }, ctx);
    await expect.poll(() => received.length).toBeGreaterThan(before);
    ctx.controller.abort(new Error('killed'));
    const error = await pending;
    expect([error.message, error.retryable]).toEqual([`GET ${base}/never: aborted`, false]);
  });

  it('fails, retryably, when nothing listens on the port', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    const error = await failure({ uri: `http://127.0.0.1:${port}/x` });
    expect([error.message, error.retryable]).toEqual([
      `GET http://127.0.0.1:${port}/x failed: connect ECONNREFUSED 127.0.0.1:${port}`,
      true,
    ]);
  });

  it('refuses a body larger than maxContentLength', async () => {
    const error = await failure({ uri: `${base}/big`, options: { maxContentLength: 1024 } });
    expect([error.message, error.retryable]).toEqual([
      `GET ${base}/big: the response body is larger than options.maxContentLength (1024 bytes)`,
      false,
    ]);
  });

  it('refuses a GET with a body', async () => {
    const error = await failure({ uri: `${base}/echo`, body: 'x' });
    expect([error.message, error.retryable]).toEqual(['a GET request cannot have a body', false]);
  });

  it('refuses a URI that is not http or https', async () => {
    const error = await failure({ uri: 'ftp://127.0.0.1/file' });
    expect(error.retryable).toBe(false);
  });
});
