/** A real hub for the benchmarks: on a fresh PostgreSQL database (or PGlite), with its API at hand. */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Hub, startHub } from '../hub/hub.js';
import { type FreshDatabase, freshDatabase } from './pg.js';

export const ADMIN_TOKEN = 'tern_bench_admin_token_0123456789';

/** Where a benchmark hub keeps its data; it outlives hub restarts, until {@link HubPlace.remove}. */
export interface HubPlace {
  dataDir: string;
  /** The fresh database's URL; undefined on PGlite (under `dataDir`). */
  dbUrl: string | undefined;
  /** What the figures say the hub ran on. */
  label: string;
  remove(): Promise<void>;
}

/** A data folder and, given a server URL, a fresh PostgreSQL database. */
export async function hubPlace(serverUrl: string | undefined, name: string): Promise<HubPlace> {
  const dataDir = mkdtempSync(join(tmpdir(), `tern-${name}-`));
  let database: FreshDatabase | undefined;
  try {
    database = serverUrl ? await freshDatabase(serverUrl) : undefined;
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    dataDir,
    dbUrl: database?.url,
    label: database ? 'PostgreSQL' : 'PGlite',
    async remove() {
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Every fleet the benchmarks simulate connects from one address, far faster
 * than the per-address defaults allow a real one: lifted, so that they
 * measure the hub and not its defence.
 */
const ONE_ADDRESS_FLEET = {
  maxPending: 1_000_000,
  maxPendingPerAddress: 1_000_000,
  connectsPerSecondPerAddress: 1_000_000,
  connectBurstPerAddress: 1_000_000,
};

/** Starts the hub on loopback, HTTP on a free port, the embedded broker on `mqttPort` (0: a free one). */
export function startBenchHub(place: HubPlace, mqttPort = 0): Promise<Hub> {
  return startHub({
    port: 0,
    host: '127.0.0.1',
    mqttPort,
    mqttHost: '127.0.0.1',
    mqttLimits: ONE_ADDRESS_FLEET,
    dataDir: place.dataDir,
    dbUrl: place.dbUrl,
    adminToken: ADMIN_TOKEN,
  });
}

/** Calls the hub's API as the admin; throws on a status other than 2xx. */
export async function api<T = unknown>(
  hub: Hub,
  method: string,
  path: string,
  body?: { json: unknown } | { yaml: string },
): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` };
  let payload: string | undefined;
  if (body && 'json' in body) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body.json);
  } else if (body) {
    headers['content-type'] = 'application/x-yaml';
    payload = body.yaml;
  }
  const res = await fetch(`${hub.url}/api/v1${path}`, { method, headers, body: payload });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Registers an agent through the API and returns its broker token. */
export async function registerAgent(
  hub: Hub,
  id: string,
  labels: Record<string, string> = {},
): Promise<string> {
  return (await api<{ token: string }>(hub, 'POST', '/agents', { json: { id, labels } })).token;
}

/** A TCP port that was free a moment ago, for a hub that must come back on the same port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls `check` every `everyMs` until it returns true; throws after `timeoutMs`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  everyMs = 5,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline)
      throw new Error(`timed out after ${Math.round(timeoutMs)} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
