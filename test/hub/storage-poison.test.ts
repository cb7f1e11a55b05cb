/**
 * Text the database cannot store, through the whole hub (HTTP API, engine, group commit) on PGlite and
 * PostgreSQL: a lone UTF-16 surrogate in a webhook body or an execution input costs no other data, and
 * what came after it survives a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../hub/hub.js';
import { apiCaller, startTestHub, until } from '../support/hub-api.js';
import { freshDatabase } from '../support/postgres.js';
import { describeWithService } from '../support/services.js';

const ADMIN = 'tern_poison_test_admin_token_0123456789';
const NS = 'poison';
const KEY = 'poison-webhook-key-0123';

const FLOW = `id: echo
namespace: ${NS}
inputs:
  - id: name
    type: STRING
    defaults: nobody
triggers:
  - id: hook
    type: webhook
    key: ${KEY}
tasks:
  - id: say
    type: log
    message: "hello {{ inputs.name }}"
`;

/** The raw JSON texts: `\ud800` is an escape in the body, a lone surrogate once parsed. */
const LONE_SURROGATE_BODY = '{"a":"\\ud800"}';
const LONE_SURROGATE_INPUTS = '{"name":"x\\udc00y"}';

function suite(database: () => Promise<{ dbUrl?: string; drop(): Promise<void> }>): void {
  const root = mkdtempSync(join(tmpdir(), 'tern-poison-'));
  let hub: Hub | undefined;
  let drop = async () => {};
  let dbUrl: string | undefined;
  afterAll(async () => {
    await hub?.close();
    await drop();
    rmSync(root, { recursive: true, force: true });
  });

  const start = async () => {
    hub = await startTestHub(join(root, 'hub'), ADMIN, dbUrl ? { dbUrl } : {});
    return apiCaller(hub.url, ADMIN);
  };

  it('stores the text with U+FFFD, marks the execution, and keeps every later execution, also after a restart', async () => {
    const db = await database();
    drop = db.drop;
    dbUrl = db.dbUrl;
    let call = await start();
    expect((await call('POST', '/flows', { yaml: FLOW })).status).toBe(201);
    const ended = (id: string) =>
      until(async () => (await call('GET', `/executions/${id}`)).body?.state === 'SUCCESS', `${id} ended`);

    const hooked = await call('POST', `/executions/webhook/${NS}/echo/${KEY}`, {
      token: null,
      body: LONE_SURROGATE_BODY,
      headers: { 'content-type': 'application/json' },
    });
    expect(hooked.status).toBe(200);
    const started = await call('POST', `/executions/${NS}/echo`, {
      body: LONE_SURROGATE_INPUTS,
      headers: { 'content-type': 'application/json' },
    });
    expect(started.status).toBe(201);
    const later = await call('POST', `/executions/${NS}/echo`, { json: { name: 'Ada' } });
    expect(later.status).toBe(201);
    for (const id of [hooked.body.id, started.body.id, later.body.id]) await ended(id);

    const hookedDoc = await call('GET', `/executions/${hooked.body.id}`);
    const startedDoc = await call('GET', `/executions/${started.body.id}`);
    const startedLogs = await call('GET', `/executions/${started.body.id}/logs`);
    expect({
      body: hookedDoc.body.trigger.body,
      input: startedDoc.body.inputs.name,
      logs: startedLogs.body.items.map((l: { level: string; message: string }) => [l.level, l.message]),
    }).toEqual({
      body: { a: '\uFFFD' },
      input: 'x\uFFFDy',
      logs: expect.arrayContaining([
        ['INFO', 'hello x\uFFFDy'],
        ['WARN', expect.stringMatching(/replaced with U\+FFFD.*inputs\.name/)],
      ]),
    });

    await hub?.close();
    hub = undefined;
    call = await start();
    const listed = await call('GET', `/executions?namespace=${NS}`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((e: { id: string; state: string }) => [e.id, e.state]).sort()).toEqual(
      [hooked.body.id, started.body.id, later.body.id].sort().map((id) => [id, 'SUCCESS']),
    );
  }, 120_000);
}

describe('a lone surrogate through the hub (PGlite)', () => {
  suite(async () => ({ drop: async () => {} }));
});

describeWithService('TERN_TEST_PG_URL', 'a lone surrogate through the hub (PostgreSQL)', (url) => {
  suite(async () => {
    const db = await freshDatabase(url, 'tern_poison');
    return { dbUrl: db.url, drop: db.drop };
  });
});
