/**
 * The hub's secrets: managed through the API, stored encrypted (AES-256-GCM,
 * key from TERN_SECRET_KEY), read by hub flows with `secret()` from the
 * flow's namespace up to global ones, and never shown.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Hub, startHub } from '../../hub/hub.js';
import { openDatabase } from '../../hub/store/db.js';

const ADMIN = 'secrets-admin-token';
const KEY = randomBytes(32).toString('base64');
const root = mkdtempSync(join(tmpdir(), 'tern-hub-secrets-'));
const dataDir = join(root, 'hub');

const start = (secretKey: string | undefined, secretEnvironment: Record<string, string> = {}) =>
  startHub({
    port: 0,
    host: '127.0.0.1',
    mqttPort: 0,
    mqttHost: '127.0.0.1',
    dataDir,
    adminToken: ADMIN,
    secretKey,
    secretEnvironment,
  });

async function call(hub: Hub, method: string, path: string, body?: unknown, yaml?: string) {
  const res = await fetch(`${hub.url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(yaml !== undefined ? { 'content-type': 'application/x-yaml' } : {}),
    },
    body: yaml ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
}

const FLOW = `id: uses-secrets
namespace: plant1.line2
tasks:
  - id: show
    type: log
    message: "db={{ secret('DB_PASSWORD') }} api={{ secret('API_KEY') }} env={{ secret('FROM_ENV') }}"
  - id: keep
    type: output
    values:
      header: "Bearer {{ secret('API_KEY') }}"
`;

async function runFlow(hub: Hub) {
  const res = await call(hub, 'POST', '/executions/plant1.line2/uses-secrets?wait=true', {});
  expect(res.status).toBe(201);
  const logs = await call(hub, 'GET', `/executions/${res.body.id}/logs`);
  const detail = await call(hub, 'GET', `/executions/${res.body.id}`);
  return { execution: res.body, logs: logs.body.items.map((l: { message: string }) => l.message), detail };
}

describe('hub secrets', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await start(KEY, { FROM_ENV: 'env-value-123' });
    expect((await call(hub, 'POST', '/flows', undefined, FLOW)).status).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await hub?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('stores global and namespaced secrets, and lists names, never values', async () => {
    expect((await call(hub, 'PUT', '/secrets/API_KEY', { value: 'global-api-key' })).status).toBe(200);
    expect((await call(hub, 'PUT', '/secrets/DB_PASSWORD', { value: 'global-db-pw' })).status).toBe(200);
    const put = await call(hub, 'PUT', '/secrets/plant1/DB_PASSWORD', { value: 'plant1-db-pw' });
    expect(put.body).toMatchObject({ namespace: 'plant1', name: 'DB_PASSWORD', source: 'store' });
    const list = await call(hub, 'GET', '/secrets');
    expect(
      list.body.items.map((s: { namespace: string | null; name: string }) => `${s.namespace}/${s.name}`),
    ).toEqual(['null/API_KEY', 'null/DB_PASSWORD', 'plant1/DB_PASSWORD', 'null/FROM_ENV']);
    expect(list.text).not.toMatch(/global-api-key|plant1-db-pw|env-value-123/);
  });

  it('resolves from the nearest namespace up, then global, then the environment, and masks the values', async () => {
    const { execution, logs, detail } = await runFlow(hub);
    expect(execution.state).toBe('SUCCESS');
    expect(logs).toContain('db=****** api=****** env=******');
    expect(detail.text).not.toMatch(/plant1-db-pw|global-api-key|env-value-123/);
    expect(detail.body.taskRuns.find((t: { taskId: string }) => t.taskId === 'keep').outputs).toEqual({
      values: { header: 'Bearer ******' },
    });
  });

  it('keeps only ciphertext in the database', async () => {
    await hub.close();
    const db = await openDatabase({ dataDir: join(dataDir, 'pgdata') });
    try {
      const rows = (await db.db.execute(sql`select namespace, name, ciphertext from secrets`)) as unknown as {
        rows: { ciphertext: string }[];
      };
      expect(rows.rows).toHaveLength(3);
      for (const row of rows.rows) {
        expect(row.ciphertext).toMatch(/^v1:/);
        expect(row.ciphertext).not.toMatch(/global|plant1-db-pw/);
      }
    } finally {
      await db.close();
    }
    hub = await start(KEY, { FROM_ENV: 'env-value-123' });
    expect((await runFlow(hub)).execution.state).toBe('SUCCESS');
  }, 60_000);

  it('deletes a secret: the flow then reads the global one, and a second delete is a 404', async () => {
    expect((await call(hub, 'DELETE', '/secrets/plant1/DB_PASSWORD')).status).toBe(204);
    expect((await call(hub, 'DELETE', '/secrets/plant1/DB_PASSWORD')).status).toBe(404);
    expect((await runFlow(hub)).execution.state).toBe('SUCCESS');
  });

  it('refuses a bad name', async () => {
    const res = await call(hub, 'PUT', '/secrets/not%20a%20name', { value: 'x' });
    expect(res.status).toBe(400);
  });

  it('with another key, says the stored secrets cannot be decrypted', async () => {
    await hub.close();
    hub = await start(randomBytes(32).toString('hex'), { FROM_ENV: 'env-value-123' });
    const { execution } = await runFlow(hub);
    expect(execution.state).toBe('FAILED');
    expect(execution.error).toMatch(/cannot be decrypted: TERN_SECRET_KEY is not the key it was stored with/);
  }, 60_000);

  it('without a key, refuses to store a secret and says why', async () => {
    await hub.close();
    hub = await start(undefined);
    const res = await call(hub, 'PUT', '/secrets/NEW', { value: 'x' });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/no TERN_SECRET_KEY/);
    const { execution } = await runFlow(hub);
    expect(execution.error).toMatch(/stored encrypted, and the hub has no TERN_SECRET_KEY/);
  }, 60_000);
});
