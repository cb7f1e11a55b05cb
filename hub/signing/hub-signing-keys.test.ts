/** The hub's signing keys in its database: made once for every replica, encrypted with the secret key, rotated; PGlite and PostgreSQL. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../protocol/logger.js';
import { openDocument, trustAfter } from '../../protocol/signing.js';
import { pgliteBackend, postgresBackend, type StorageBackend } from '../../test/support/backends.js';
import { describeWithService } from '../../test/support/services.js';
import { SecretCipher } from '../secrets/cipher.js';
import { HubSigningKeys } from './hub-signing-keys.js';

describe('signing keys on PGlite', () => signingKeySuite(pgliteBackend()));
describeWithService('TERN_TEST_PG_URL', 'signing keys on PostgreSQL', (url) =>
  signingKeySuite(postgresBackend(url)),
);

const topic = 'tern/v1/agents/gw-1/desired';
const payload = Buffer.from('{"generation":1}');

function signingKeySuite(backend: StorageBackend): void {
  beforeAll(() => backend.setup());
  beforeEach(() => backend.reset());
  afterAll(() => backend.teardown());

  const open = async (cipher?: SecretCipher) =>
    HubSigningKeys.open({
      repository: (await backend.open()).signingKeys,
      logger: silentLogger,
      ...(cipher && { cipher }),
    });

  it('makes one key for hubs that start together on one database, and keeps it across restarts', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    expect(a!.current).toBe(b!.current);
    expect((await open()).current).toBe(a!.current);
    expect(await backend.rows('SELECT state FROM signing_keys')).toEqual([{ state: 'current' }]);
  });

  it("stores the private key encrypted with the hub's secret key, and without it says why it cannot sign", async () => {
    const cipher = new SecretCipher(randomBytes(32));
    const keys = await open(cipher);
    const [row] = await backend.rows<{ private_key: string }>('SELECT private_key FROM signing_keys');
    expect(row!.private_key).toMatch(/^v1:/);
    expect(openDocument(keys.sign(payload, topic), topic).ok).toBe(true);
    // Without the key the hub still starts (like its secrets); what needs the key says why it cannot sign.
    const without = await open();
    expect(without.current).toBe(keys.current);
    expect(() => without.sign(payload, topic)).toThrow(
      /cannot sign desired states: .*stored encrypted: start the hub with the TERN_SECRET_KEY/,
    );
  });

  it('announces the next key while the current one signs, then signs with it and forgets the old private key', async () => {
    const keys = await open();
    const first = keys.current;
    const next = await keys.beginRotation();
    expect(await keys.beginRotation()).toBe(next);
    const during = openDocument(keys.sign(payload, topic), topic);
    if (!during.ok) throw new Error(during.reason);
    expect(during.header.key).toBe(first);
    expect(trustAfter(during.header, [first])).toMatchObject({ ok: true, trusted: [first, next] });

    // Another replica reads the rotation from the database.
    const replica = await open();
    expect(await keys.finishRotation()).toBe(next);
    await replica.reload();
    const after = openDocument(replica.sign(payload, topic), topic);
    if (!after.ok) throw new Error(after.reason);
    expect(after.header.key).toBe(next);
    expect(trustAfter(after.header, [first])).toMatchObject({ ok: true, trusted: [next] });
    expect(keys.list().map((k) => k.state)).toEqual(['retired', 'current']);
    expect(
      await backend.rows('SELECT private_key IS NULL AS gone FROM signing_keys WHERE state = $$retired$$'),
    ).toEqual([{ gone: true }]);
    await expect(keys.finishRotation()).rejects.toThrow(/no rotation under way/);
  });
}
