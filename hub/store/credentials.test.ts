/** API tokens and agent credentials: hashed at rest, verified, revoked and rotated, on PGlite and PostgreSQL. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pgliteBackend, postgresBackend, type StorageBackend } from '../../test/support/backends.js';
import { describeWithService } from '../../test/support/services.js';
import { LAST_USED_RESOLUTION_MS } from './token-repository.js';

describe('credentials on PGlite', () => credentialSuite(pgliteBackend()));
describeWithService('TERN_TEST_PG_URL', 'credentials on PostgreSQL', (url) =>
  credentialSuite(postgresBackend(url)),
);

function credentialSuite(backend: StorageBackend): void {
  beforeAll(() => backend.setup());
  beforeEach(() => backend.reset());
  afterAll(() => backend.teardown());

  /** Every column of every row of `table`, as text. */
  const tableText = async (table: string) =>
    JSON.stringify(await backend.rows(`SELECT row_to_json(t)::text AS row FROM ${table} t`));

  describe('API tokens', () => {
    it('creates a random tern_ token and stores only its hash', async () => {
      const storage = await backend.open();
      const { token, info } = await storage.tokens.create('ci');
      expect(token).toMatch(/^tern_[A-Za-z0-9_-]{43}$/);
      expect(token.startsWith(info.prefix)).toBe(true);
      expect(await tableText('api_tokens')).not.toContain(token.slice(info.prefix.length));
    });

    it('verifies a live token and refuses an unknown one', async () => {
      const storage = await backend.open();
      const { token, info } = await storage.tokens.create('ci');
      expect((await storage.tokens.verify(token))?.id).toBe(info.id);
      expect(await storage.tokens.verify(`${token}x`)).toBeUndefined();
    });

    it('refuses a revoked token, still listing it as revoked', async () => {
      const storage = await backend.open();
      await storage.tokens.create('admin');
      const { token, info } = await storage.tokens.create('ci');
      expect(await storage.tokens.revoke(info.id)).toBe('revoked');
      expect(await storage.tokens.revoke(info.id)).toBe('not-found');
      expect(await storage.tokens.verify(token)).toBeUndefined();
      expect((await storage.tokens.list())[1]?.revokedAt).not.toBeNull();
      expect(await storage.tokens.count()).toBe(1);
    });

    it('never revokes the last live token', async () => {
      const storage = await backend.open();
      const { token, info } = await storage.tokens.create('admin');
      expect(await storage.tokens.revoke(info.id)).toBe('last-live-token');
      expect((await storage.tokens.verify(token))?.id).toBe(info.id);
      expect(await storage.tokens.revoke('no-such-token')).toBe('not-found');
    });

    it('leaves one live token when every token is revoked at once', async () => {
      const storage = await backend.open();
      const created = await Promise.all(Array.from({ length: 8 }, (_, i) => storage.tokens.create(`t${i}`)));
      const outcomes = await Promise.all(created.map(({ info }) => storage.tokens.revoke(info.id)));
      expect(outcomes.filter((o) => o === 'revoked')).toHaveLength(7);
      expect(outcomes.filter((o) => o === 'last-live-token')).toHaveLength(1);
      expect(await storage.tokens.count()).toBe(1);
    });

    it('adopts a chosen token once, and says when it was revoked', async () => {
      const storage = await backend.open();
      await storage.tokens.create('other');
      const chosen = 'admin-secret-from-env';
      const first = await storage.tokens.adopt('admin', chosen);
      expect(first).toMatchObject({ created: true, info: { name: 'admin', revokedAt: null } });
      const again = await storage.tokens.adopt('admin again', chosen);
      expect(again).toMatchObject({ created: false, info: { id: first.info.id, name: 'admin' } });
      expect(await storage.tokens.revoke(first.info.id)).toBe('revoked');
      const revoked = await storage.tokens.adopt('admin', chosen);
      expect(revoked.created).toBe(false);
      expect(revoked.info.revokedAt).not.toBeNull();
      expect(await storage.tokens.verify(chosen)).toBeUndefined();
      expect(await storage.tokens.list()).toHaveLength(2);
    });

    it('accepts a chosen token, showing a prefix of at most a quarter of it', async () => {
      const storage = await backend.open();
      const chosen = 'admin-secret-from-env';
      const { info } = await storage.tokens.create('admin', chosen);
      expect(info.prefix.length).toBeLessThanOrEqual(chosen.length / 4);
      expect((await storage.tokens.verify(chosen))?.name).toBe('admin');
      await expect(storage.tokens.create('again', chosen)).rejects.toMatchObject({ code: 'CONFLICT' });
    });

    it('records when a token was last used, at most once a minute', async () => {
      let now = Date.UTC(2025, 0, 1);
      const storage = await backend.open({ clock: { now: () => now } });
      const { token } = await storage.tokens.create('ci');
      expect((await storage.tokens.list())[0]?.lastUsedAt).toBeNull();
      const firstUse = (await storage.tokens.verify(token))?.lastUsedAt;
      expect(firstUse).toBe(new Date(now).toISOString());
      now += LAST_USED_RESOLUTION_MS - 1;
      expect((await storage.tokens.verify(token))?.lastUsedAt).toBe(firstUse);
      now += 1;
      expect((await storage.tokens.verify(token))?.lastUsedAt).toBe(new Date(now).toISOString());
      expect((await storage.tokens.list())[0]?.lastUsedAt).toBe(new Date(now).toISOString());
    });
  });

  describe('agents', () => {
    it('registers an agent whose password is stored only as a hash', async () => {
      const storage = await backend.open();
      const { token, agent } = await storage.agents.register('gw-01', { site: 'plant1' });
      expect(agent).toMatchObject({
        id: 'gw-01',
        labels: { site: 'plant1' },
        decommissioned: false,
        online: false,
      });
      expect(await storage.agents.verifyCredentials('gw-01', token)).toBe(true);
      expect(await tableText('agents')).not.toContain(token.slice(5));
    });

    it('refuses a wrong password and an unknown agent', async () => {
      const storage = await backend.open();
      const { token } = await storage.agents.register('gw-01', {});
      expect(await storage.agents.verifyCredentials('gw-01', `${token}x`)).toBe(false);
      expect(await storage.agents.verifyCredentials('gw-02', token)).toBe(false);
    });

    it('rotates the password when an agent registers again', async () => {
      const storage = await backend.open();
      const first = await storage.agents.register('gw-01', { site: 'plant1' });
      const second = await storage.agents.register('gw-01', { site: 'plant2' });
      expect(await storage.agents.verifyCredentials('gw-01', first.token)).toBe(false);
      expect(await storage.agents.verifyCredentials('gw-01', second.token)).toBe(true);
      expect(second.agent).toMatchObject({ labels: { site: 'plant2' }, createdAt: first.agent.createdAt });
    });

    it('invalidates a decommissioned agent’s password until it registers again', async () => {
      const storage = await backend.open();
      const { token } = await storage.agents.register('gw-01', {});
      expect(await storage.agents.decommission('gw-01')).toBe(true);
      expect(await storage.agents.verifyCredentials('gw-01', token)).toBe(false);
      expect((await storage.agents.get('gw-01'))?.decommissioned).toBe(true);
      const again = await storage.agents.register('gw-01', {});
      expect(again.agent.decommissioned).toBe(false);
      expect(await storage.agents.verifyCredentials('gw-01', again.token)).toBe(true);
      expect(await storage.agents.decommission('gw-unknown')).toBe(false);
    });

    it('lists agents by id, filtered by labels, across pages', async () => {
      const storage = await backend.open();
      for (const id of ['gw-03', 'gw-01', 'gw-02']) await storage.agents.register(id, { site: 'plant1' });
      await storage.agents.register('gw-04', { site: 'plant2' });
      const first = await storage.agents.list({ labels: { site: 'plant1' }, limit: 2 });
      const second = await storage.agents.list({
        labels: { site: 'plant1' },
        limit: 2,
        cursor: first.nextCursor!,
      });
      expect([...first.items, ...second.items].map((a) => a.id)).toEqual(['gw-01', 'gw-02', 'gw-03']);
      expect(second.nextCursor).toBeUndefined();
    });

    it('changes labels and reported status, leaving other fields alone', async () => {
      const storage = await backend.open();
      await storage.agents.register('gw-01', { site: 'plant1' });
      expect((await storage.agents.setLabels('gw-01', { site: 'plant9' }))?.labels).toEqual({
        site: 'plant9',
      });
      expect(await storage.agents.setLabels('gw-unknown', {})).toBeUndefined();
      const seen = new Date(Date.UTC(2025, 0, 1)).toISOString();
      await storage.agents.updateStatus('gw-01', { online: true, lastSeenAt: seen, version: '0.1.0' });
      await storage.agents.updateStatus('gw-01', { status: { outbox: 3 } });
      expect(await storage.agents.get('gw-01')).toMatchObject({
        labels: { site: 'plant9' },
        online: true,
        lastSeenAt: seen,
        version: '0.1.0',
        status: { outbox: 3 },
      });
    });
  });
}
