/**
 * The hub API over real HTTP on 127.0.0.1, on real storage (PGlite in a
 * temporary directory, or a fresh PostgreSQL database), with the real engine
 * behind it and an admin token to call it with.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Registry as MetricsRegistry } from 'prom-client';
import { afterAll, beforeAll, describe } from 'vitest';
import { createApi } from '../../hub/api/app.js';
import { setTriggerDisabled } from '../../hub/api/flow-triggers.js';
import type { HubServices } from '../../hub/api/services.js';
import type { HubOptionsInput } from '../../hub/config.js';
import { HubEventBus } from '../../hub/events.js';
import { createHubExecutions, RepositoryFlowSource } from '../../hub/executions.js';
import { type Hub, startHub } from '../../hub/hub.js';
import { HubSecrets } from '../../hub/secrets/hub-secrets.js';
import { openHubStorage } from '../../hub/store/hub-storage.js';
import type { HubStorage } from '../../hub/store/types.js';
import { builtinRegistry } from '../../plugins/builtin.js';
import { type Logger, silentLogger } from '../../protocol/logger.js';
import { Engine } from '../../runtime/engine/engine.js';
import { RuntimeHost } from '../../runtime/engine/plugin-host.js';
import { Renderer } from '../../runtime/expr/index.js';
import { freshDatabase } from './postgres.js';
import { describeWithService } from './services.js';

/** Which database a suite runs on. */
export type TestDatabase = { kind: 'pglite' } | { kind: 'postgres'; url: string };

export interface CallOptions {
  /** Bearer token; defaults to the admin token, `null` sends no Authorization header. */
  token?: string | null;
  json?: unknown;
  yaml?: string;
  /** A raw body, sent with `headers`' Content-Type. */
  body?: RequestInit['body'];
  headers?: Record<string, string>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON when the response is JSON, the text otherwise (undefined when empty). */
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies freely; the assertions check them.
  body: any;
  text: string;
}

export interface HubApi {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  adminToken: string;
  storage: HubStorage;
  services: HubServices;
  engine: Engine;
  /** Every `onFlowChanged` call, as `namespace.id`. */
  flowChanges: string[];
  /** How many `executions.follow` subscriptions are open right now. */
  openFollowers(): number;
  /** Calls `/api/v1{path}` (or `path` itself when it starts with `/api/` or `/healthz`). */
  call(method: string, path: string, options?: CallOptions): Promise<ApiResponse>;
  close(): Promise<void>;
}

export interface HubApiOptions {
  bodyLimitBytes?: number;
  heartbeatMs?: number;
  /** Receives what the API logs; silentLogger by default. */
  logger?: Logger;
  /** The hub's `TERN_SECRET_*` secrets, by name: what hub flows read with `secret()`. */
  secrets?: Record<string, string>;
}

/** Starts storage, engine, API and an HTTP server on 127.0.0.1 with a free port. */
export async function startHubApi(database: TestDatabase, options: HubApiOptions = {}): Promise<HubApi> {
  const dir = mkdtempSync(join(tmpdir(), 'tern-hub-api-'));
  const pg = database.kind === 'postgres' ? await freshDatabase(database.url, 'tern_api') : undefined;
  let storage: HubStorage;
  try {
    storage = await openHubStorage(
      pg ? { url: pg.url, filesDir: join(dir, 'files') } : { dataDir: join(dir, 'data') },
    );
  } catch (err) {
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const registry = builtinRegistry();
  const renderer = new Renderer();
  const source = new RepositoryFlowSource(storage.flows, registry);
  const secrets = await HubSecrets.open(storage.secrets, { environment: options.secrets });
  const host = new RuntimeHost();
  const engine = new Engine({
    host,
    store: storage.executions,
    registry,
    flows: source,
    renderer,
    secrets,
    workRoot: join(dir, 'work'),
    killGraceMs: 2000,
  });
  const flowChanges: string[] = [];
  const executions = createHubExecutions({
    engine,
    flows: storage.flows,
    source,
    renderer,
    ...(options.logger && { logger: options.logger }),
  });
  let followers = 0;
  const events = new HubEventBus();
  engine.on({ execution: (data) => events.emit({ type: 'execution', data }) });
  const services: HubServices = {
    storage,
    registry,
    renderer,
    // The real executions, counting open subscriptions so tests can see them released.
    executions: {
      ...executions,
      follow(id, listener) {
        followers++;
        const unsubscribe = executions.follow(id, listener);
        return () => {
          followers--;
          unsubscribe();
        };
      },
    },
    metrics: new MetricsRegistry(),
    bodyLimitBytes: options.bodyLimitBytes ?? 64 * 1024,
    events,
    secrets,
    onFlowChanged: (namespace, id) => {
      flowChanges.push(`${namespace}.${id}`);
      events.emit({ type: 'flow', data: { namespace, id } });
    },
  };
  host.triggers = {
    setDisabled: async (namespace, flowId, triggerId, disabled) => {
      await setTriggerDisabled(services, namespace, flowId, triggerId, disabled);
    },
  };
  const { token: adminToken } = await storage.tokens.create('admin');
  const app = createApi(services, {
    logger: options.logger ?? silentLogger,
    heartbeatMs: options.heartbeatMs ?? 15_000,
  });
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const call = apiCaller(url, adminToken);

  return {
    url,
    adminToken,
    storage,
    services,
    engine,
    flowChanges,
    openFollowers: () => followers,
    call,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await Promise.race([engine.idle(), new Promise((r) => setTimeout(r, 5000).unref())]);
      await storage.close();
      await pg?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Calls the API at `url`: `/api/v1{path}` (or `path` itself under `/api/`), as the admin by default. */
export function apiCaller(
  url: string,
  adminToken: string,
): (method: string, path: string, options?: CallOptions) => Promise<ApiResponse> {
  return async (method, path, call = {}) => {
    const headers: Record<string, string> = { ...call.headers };
    const token = call.token === undefined ? adminToken : call.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body = call.body;
    if (call.json !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(call.json);
    } else if (call.yaml !== undefined) {
      headers['content-type'] ??= 'application/x-yaml';
      body = call.yaml;
    }
    const full = path.startsWith('/api/') ? path : `/api/v1${path}`;
    const res = await fetch(url + full, { method, headers, body });
    const text = await res.text();
    const json = (res.headers.get('content-type') ?? '').includes('json') && text !== '';
    return {
      status: res.status,
      headers: res.headers,
      body: json ? JSON.parse(text) : text || undefined,
      text,
    };
  };
}

/** A whole hub (API, embedded broker, fleet, triggers) on loopback with free ports, its data under `dataDir`. */
export function startTestHub(
  dataDir: string,
  adminToken: string,
  options: HubOptionsInput = {},
  logger?: Logger,
): Promise<Hub> {
  return startHub(
    {
      port: 0,
      host: '127.0.0.1',
      mqttPort: 0,
      mqttHost: '127.0.0.1',
      dataDir,
      adminToken,
      ...options,
    },
    logger,
  );
}

/** Resolves once `condition` holds, checking every few milliseconds; fails after `timeoutMs`. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Starts a hub API before the enclosing suite and closes it after; the getter returns it in tests. */
export function useHubApi(database: TestDatabase, options?: HubApiOptions): () => HubApi {
  let api: HubApi | undefined;
  beforeAll(async () => {
    api = await startHubApi(database, options);
  }, 60_000);
  afterAll(async () => {
    await api?.close();
  }, 60_000);
  return () => {
    if (!api) throw new Error('the hub API is not started');
    return api;
  };
}

/**
 * Runs `suite` twice: on PGlite always, and on PostgreSQL (a fresh database)
 * when TERN_TEST_PG_URL is set.
 */
export function describeApi(
  title: string,
  suite: (api: () => HubApi) => void,
  options?: HubApiOptions,
): void {
  describe(`${title} (PGlite)`, () => suite(useHubApi({ kind: 'pglite' }, options)));
  describeWithService('TERN_TEST_PG_URL', `${title} (PostgreSQL)`, (url) =>
    suite(useHubApi({ kind: 'postgres', url }, options)),
  );
}

/** One server-sent event, or a comment line (`event: 'comment'`). */
export interface SseEvent {
  event: string;
  // biome-ignore lint/suspicious/noExplicitAny: event payloads are checked by the assertions.
  data: any;
}

export interface EventStream {
  status: number;
  headers: Headers;
  /** The next event or comment; rejects when the stream ends first. */
  next(): Promise<SseEvent>;
  /** Reads until an event named `name` and returns every event read, that one included. */
  until(name: string): Promise<SseEvent[]>;
  close(): void;
}

/** Opens a server-sent event stream at `/api/v1{path}` and parses it block by block. */
export async function openEventStream(
  api: HubApi,
  path: string,
  token: string | null = api.adminToken,
): Promise<EventStream> {
  const abort = new AbortController();
  const res = await fetch(`${api.url}/api/v1${path}`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
    signal: abort.signal,
  });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const pending: SseEvent[] = [];
  const parse = (block: string): SseEvent => {
    if (block.startsWith(':')) return { event: 'comment', data: block.slice(1).trim() };
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    return { event, data: JSON.parse(data.join('\n')) };
  };
  const next = async (): Promise<SseEvent> => {
    for (;;) {
      const ready = pending.shift();
      if (ready) return ready;
      const { done, value } = await reader.read();
      if (done) throw new Error('the event stream ended');
      buffer += value;
      let at = buffer.indexOf('\n\n');
      while (at >= 0) {
        const block = buffer.slice(0, at).trim();
        buffer = buffer.slice(at + 2);
        if (block !== '') pending.push(parse(block));
        at = buffer.indexOf('\n\n');
      }
    }
  };
  return {
    status: res.status,
    headers: res.headers,
    next,
    async until(name) {
      const seen: SseEvent[] = [];
      for (;;) {
        const e = await next();
        seen.push(e);
        if (e.event === name) return seen;
      }
    },
    close: () => abort.abort(),
  };
}
