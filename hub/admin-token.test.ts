/** The admin token at start, on PGlite and PostgreSQL: made once, TERN_ADMIN_TOKEN adopted, a revoked one reported. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../protocol/logger.js';
import { pgliteBackend, postgresBackend, type StorageBackend } from '../test/support/backends.js';
import { describeWithService } from '../test/support/services.js';
import { ensureAdminToken } from './admin-token.js';

describe('admin token on PGlite', () => adminTokenSuite(pgliteBackend()));
describeWithService('TERN_TEST_PG_URL', 'admin token on PostgreSQL', (url) =>
  adminTokenSuite(postgresBackend(url)),
);

const CHOSEN = 'tern_chosen_admin_token_for_tests';

function adminTokenSuite(backend: StorageBackend): void {
  beforeAll(() => backend.setup());
  beforeEach(() => backend.reset());
  afterAll(() => backend.teardown());

  const warnings: string[] = [];
  const log: Logger = {
    debug() {},
    info() {},
    warn: (obj, msg) => warnings.push(`${msg} ${JSON.stringify(obj)}`),
    error() {},
    child: () => log,
  };
  beforeEach(() => {
    warnings.length = 0;
  });

  it('makes a random admin token at the first start, and none at the next', async () => {
    const storage = await backend.open();
    const shown = await ensureAdminToken(storage.tokens, undefined, log);
    expect(shown).toMatch(/^tern_/);
    expect((await storage.tokens.verify(shown!))?.name).toBe('admin');
    expect(await ensureAdminToken(storage.tokens, undefined, log)).toBeUndefined();
    expect(await storage.tokens.count()).toBe(1);
  });

  it('takes TERN_ADMIN_TOKEN as the first admin token, and adds it later when it is new', async () => {
    const storage = await backend.open();
    expect(await ensureAdminToken(storage.tokens, CHOSEN, log)).toBe(CHOSEN);
    expect(await ensureAdminToken(storage.tokens, `${CHOSEN}-2`, log)).toBeUndefined();
    expect((await storage.tokens.verify(`${CHOSEN}-2`))?.name).toBe('admin (TERN_ADMIN_TOKEN)');
    expect(warnings).toEqual([]);
  });

  it('makes a new admin token when no token is live and TERN_ADMIN_TOKEN was revoked', async () => {
    const storage = await backend.open();
    await ensureAdminToken(storage.tokens, CHOSEN, log);
    // A database from before the last live token was protected: every token revoked.
    await backend.rows('UPDATE api_tokens SET revoked_at = now()');
    const shown = await ensureAdminToken(storage.tokens, CHOSEN, log);
    expect(shown).toMatch(/^tern_/);
    expect(shown).not.toBe(CHOSEN);
    expect(await storage.tokens.verify(CHOSEN)).toBeUndefined();
    expect(await storage.tokens.verify(shown!)).toBeDefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('a new admin token is made and shown once');
    expect(warnings[0]).not.toContain(CHOSEN);
  });
}
