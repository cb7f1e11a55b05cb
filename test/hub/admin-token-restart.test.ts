/**
 * TERN_ADMIN_TOKEN across hub restarts: a live one is neither an error nor
 * stored twice, a revoked one lets the hub start, stays refused and is
 * reported with what to do (never printed). The real hub, restarted on its
 * data, on PGlite and on PostgreSQL when TERN_TEST_PG_URL is set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Hub } from '../../hub/hub.js';
import type { Logger } from '../../protocol/logger.js';
import { apiCaller, startTestHub } from '../support/hub-api.js';
import { type FreshDatabase, freshDatabase } from '../support/postgres.js';
import { describeWithService } from '../support/services.js';

const ADMIN = 'tern_restart_admin_token_0123456789abcdef';

interface Line {
  level: 'warn' | 'error';
  obj: object;
  msg?: string;
}

/** Keeps warnings and errors, with the bindings of the child loggers. */
function recordingLogger(lines: Line[], bindings: object = {}): Logger {
  return {
    debug() {},
    info() {},
    warn: (obj, msg) => lines.push({ level: 'warn', obj: { ...bindings, ...obj }, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj: { ...bindings, ...obj }, msg }),
    child: (more) => recordingLogger(lines, { ...bindings, ...more }),
  };
}

function restartSuite(database: { kind: 'pglite' } | { kind: 'postgres'; url: string }): void {
  let root: string;
  let pg: FreshDatabase | undefined;
  let hub: Hub | undefined;
  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'tern-admin-restart-'));
    pg = database.kind === 'postgres' ? await freshDatabase(database.url, 'tern_admin') : undefined;
  });
  afterEach(async () => {
    await hub?.close();
    hub = undefined;
    await pg?.drop();
    rmSync(root, { recursive: true, force: true });
  }, 60_000);

  const start = async (adminToken: string, logger?: Logger) => {
    await hub?.close();
    hub = await startTestHub(join(root, 'hub'), adminToken, { ...(pg && { dbUrl: pg.url }) }, logger);
    return { hub, call: apiCaller(hub.url, adminToken) };
  };

  it('starts again with a live TERN_ADMIN_TOKEN: no error, no second copy', async () => {
    const first = await start(ADMIN);
    expect(first.hub.adminToken).toBe(ADMIN);
    const lines: Line[] = [];
    const again = await start(ADMIN, recordingLogger(lines));
    expect(again.hub.adminToken).toBeUndefined();
    expect((await again.call('GET', '/flows')).status).toBe(200);
    const tokens = await again.call('GET', '/tokens');
    expect(tokens.body.items).toHaveLength(1);
    expect(lines).toEqual([]);
  });

  it('starts with a revoked TERN_ADMIN_TOKEN, says what to do without printing it, and keeps refusing it', async () => {
    const first = await start(ADMIN);
    const created = await first.call('POST', '/tokens', { json: { name: 'operator' } });
    expect(created.status).toBe(201);
    const operator = apiCaller(first.hub.url, created.body.token);
    const adminId = (await first.call('GET', '/tokens')).body.items.find(
      (t: { name: string }) => t.name === 'admin',
    ).id;
    expect((await operator('DELETE', `/tokens/${adminId}`)).status).toBe(204);

    const lines: Line[] = [];
    const again = await start(ADMIN, recordingLogger(lines));
    expect(again.hub.adminToken).toBeUndefined();
    const warning = lines.find((l) => l.msg?.includes('TERN_ADMIN_TOKEN'));
    expect(warning).toMatchObject({ level: 'warn', obj: { tokenId: adminId } });
    expect(warning?.msg).toMatch(/revoked/);
    expect(warning?.msg).toMatch(/unset TERN_ADMIN_TOKEN or give it a new value/);
    expect(JSON.stringify(lines)).not.toContain(ADMIN);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);

    const refused = await again.call('GET', '/flows');
    expect(refused.status).toBe(401);
    expect((await apiCaller(again.hub.url, created.body.token)('GET', '/flows')).status).toBe(200);
    const tokens = await apiCaller(again.hub.url, created.body.token)('GET', '/tokens');
    expect(tokens.body.items).toHaveLength(2);
  });
}

describe('TERN_ADMIN_TOKEN at restart (PGlite)', () => restartSuite({ kind: 'pglite' }));
describeWithService('TERN_TEST_PG_URL', 'TERN_ADMIN_TOKEN at restart (PostgreSQL)', (url) =>
  restartSuite({ kind: 'postgres', url }),
);
