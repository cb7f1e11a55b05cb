/** Tokens waiting for the managed broker: one per agent, the latest kept, forgotten once confirmed, on PGlite and PostgreSQL. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pgliteBackend, postgresBackend, type StorageBackend } from '../../test/support/backends.js';
import { describeWithService } from '../../test/support/services.js';

describe('waiting broker logins on PGlite', () => waitingLoginSuite(pgliteBackend()));
describeWithService('TERN_TEST_PG_URL', 'waiting broker logins on PostgreSQL', (url) =>
  waitingLoginSuite(postgresBackend(url)),
);

function waitingLoginSuite(backend: StorageBackend): void {
  beforeAll(() => backend.setup());
  beforeEach(() => backend.reset());
  afterAll(() => backend.teardown());

  it('keeps the latest password of each agent', async () => {
    const { brokerLogins } = await backend.open();
    await brokerLogins.put('gw-1', 'first');
    await brokerLogins.put('gw-1', 'second');
    await brokerLogins.put('gw-2', 'other');
    expect(await brokerLogins.get('gw-1')).toEqual({ agentId: 'gw-1', password: 'second' });
    expect((await brokerLogins.list()).map((r) => r.agentId).sort()).toEqual(['gw-1', 'gw-2']);
  });

  it('forgets a password once the broker has it, but not a newer one put meanwhile', async () => {
    const { brokerLogins } = await backend.open();
    await brokerLogins.put('gw-1', 'first');
    await brokerLogins.put('gw-1', 'second');
    await brokerLogins.done('gw-1', 'first');
    expect((await brokerLogins.get('gw-1'))?.password).toBe('second');
    await brokerLogins.done('gw-1', 'second');
    expect(await brokerLogins.get('gw-1')).toBeUndefined();
  });

  it('drops whatever waits for a decommissioned agent', async () => {
    const { brokerLogins } = await backend.open();
    await brokerLogins.put('gw-1', 'first');
    await brokerLogins.drop('gw-1');
    expect(await brokerLogins.list()).toEqual([]);
  });
}
