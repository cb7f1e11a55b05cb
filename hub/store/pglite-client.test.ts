/** The embedded database opens with the small-machine settings, a new folder initialised out of process. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openPgliteClient, PGLITE_SETTINGS } from './pglite-client.js';

describe('openPgliteClient', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('initialises a new folder, then opens it with the memory settings, and reopens it with them', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tern-pglite-')), 'pgdata');
    dirs.push(dir);
    for (let open = 0; open < 2; open++) {
      const client = await openPgliteClient(dir);
      try {
        expect(existsSync(join(dir, 'PG_VERSION'))).toBe(true);
        for (const [name, value] of Object.entries(PGLITE_SETTINGS)) {
          const { rows } = await client.query<Record<string, string>>(`SHOW ${name}`);
          expect(rows[0]![name]).toBe(value);
        }
      } finally {
        await client.close();
      }
    }
  }, 120_000);

  it('says which folder could not be initialised, and why', async () => {
    const base = mkdtempSync(join(tmpdir(), 'tern-pglite-'));
    dirs.push(base);
    const file = join(base, 'a-file');
    writeFileSync(file, 'not a folder');
    await expect(openPgliteClient(join(file, 'pgdata'))).rejects.toThrow(
      `could not initialise the embedded database in ${join(file, 'pgdata')}`,
    );
  }, 120_000);
});
