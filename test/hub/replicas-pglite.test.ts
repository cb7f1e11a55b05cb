/** Replicas need PostgreSQL: a second hub on the data directory of a running embedded one refuses to start, saying why. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startTestHub } from '../support/hub-api.js';

const ADMIN = 'tern_replicas_pglite_admin_token_01234';
const root = mkdtempSync(join(tmpdir(), 'tern-replicas-pglite-'));

afterAll(() => rmSync(root, { recursive: true, force: true }));

it('refuses a second hub on the PGlite data directory of a running one, and starts once it is gone', async () => {
  const dataDir = join(root, 'hub');
  const first = await startTestHub(dataDir, ADMIN);
  try {
    await expect(startTestHub(dataDir, ADMIN)).rejects.toThrow(
      `${join(dataDir, 'pgdata')}.lock is held by process ${process.pid}: another Tern hub is using this data directory`,
    );
    // The first is untouched by the attempt.
    expect((await fetch(`${first.url}/api/v1/healthz`)).status).toBe(200);
  } finally {
    await first.close();
  }
  const second = await startTestHub(dataDir, ADMIN);
  await second.close();
}, 60_000);
