/** Namespace files on the hub: revisions, tombstones, bytes kept exactly, limits, reload, on PGlite and PostgreSQL. */

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openHubStorage } from '../../hub/store/hub-storage.js';
import { MAX_NAMESPACE_FILE_BYTES } from '../../protocol/namespace-files.js';
import { pgliteBackend, postgresBackend, type StorageBackend } from '../../test/support/backends.js';
import { describeWithService } from '../../test/support/services.js';

describe('namespace files on PGlite', () => namespaceFileSuite(pgliteBackend()));
describeWithService('TERN_TEST_PG_URL', 'namespace files on PostgreSQL', (url) =>
  namespaceFileSuite(postgresBackend(url)),
);

const text = (s: string) => new TextEncoder().encode(s);

function namespaceFileSuite(backend: StorageBackend): void {
  beforeAll(() => backend.setup());
  beforeEach(() => backend.reset());
  afterAll(() => backend.teardown());

  it('stores each write as a new revision and serves the latest', async () => {
    const { namespaceFiles: files } = await backend.open();
    const first = await files.put('plant1', '/scripts/etl.py', text('print(1)\n'));
    const second = await files.put('plant1', 'scripts/etl.py', text('print(2)\n'));
    expect(first).toMatchObject({ path: 'scripts/etl.py', revision: 1, size: 9 });
    expect(second).toMatchObject({ path: 'scripts/etl.py', revision: 2, size: 9 });
    expect(new TextDecoder().decode(files.get('plant1', '/scripts/etl.py'))).toBe('print(2)\n');
    expect(files.list('plant1').map((f) => [f.path, f.revision])).toEqual([['scripts/etl.py', 2]]);
    const history = await files.revisions('plant1', 'scripts/etl.py');
    expect(history.map((r) => [r.revision, r.deleted])).toEqual([
      [1, false],
      [2, false],
    ]);
    expect(new TextDecoder().decode(await files.revisionContent('plant1', 'scripts/etl.py', 1))).toBe(
      'print(1)\n',
    );
  });

  it('writes no revision when the bytes are those of the latest one', async () => {
    const { namespaceFiles: files } = await backend.open();
    await files.put('plant1', 'a.txt', text('same'));
    const again = await files.put('plant1', 'a.txt', text('same'));
    expect(again.revision).toBe(1);
    expect(await files.revisions('plant1', 'a.txt')).toHaveLength(1);
  });

  it('deletes with a tombstone revision and keeps the history; a new write continues the numbering', async () => {
    const { namespaceFiles: files } = await backend.open();
    await files.put('plant1', 'a.txt', text('one'));
    expect(await files.delete('plant1', 'a.txt')).toBe(true);
    expect(await files.delete('plant1', 'a.txt')).toBe(false);
    expect(files.get('plant1', 'a.txt')).toBeUndefined();
    expect(files.list('plant1')).toEqual([]);
    const back = await files.put('plant1', 'a.txt', text('two'));
    expect(back.revision).toBe(3);
    const history = await files.revisions('plant1', 'a.txt');
    expect(history.map((r) => [r.revision, r.deleted])).toEqual([
      [1, false],
      [2, true],
      [3, false],
    ]);
    expect(await files.revisionContent('plant1', 'a.txt', 2)).toBeUndefined();
  });

  it('keeps binary contents byte for byte, NUL and invalid UTF-8 included', async () => {
    const { namespaceFiles: files } = await backend.open();
    const bytes = new Uint8Array([0, 0xff, 0xfe, 0x00, 0xd8, 0x00, 10]);
    await files.put('plant1', 'bin/blob.dat', bytes);
    expect([...files.get('plant1', 'bin/blob.dat')!]).toEqual([...bytes]);
    const rows = await backend.rows<{ size: number }>(
      `SELECT octet_length(content) AS size FROM namespace_file_revisions WHERE path = 'bin/blob.dat'`,
    );
    expect(Number(rows[0]?.size)).toBe(bytes.length);
  });

  it('loads the live files again when the storage is opened anew', async () => {
    const options = await backend.restartable();
    const first = await openHubStorage(options);
    await first.namespaceFiles.put('plant1', 'keep.sql', text('SELECT 1'));
    await first.namespaceFiles.put('plant1', 'gone.sql', text('SELECT 2'));
    await first.namespaceFiles.delete('plant1', 'gone.sql');
    await first.close();
    const second = await openHubStorage(options);
    try {
      expect(second.namespaceFiles.list('plant1').map((f) => f.path)).toEqual(['keep.sql']);
      expect(new TextDecoder().decode(second.namespaceFiles.get('plant1', 'keep.sql'))).toBe('SELECT 1');
      expect(second.namespaceFiles.namespaces()).toEqual(['plant1']);
    } finally {
      await second.close();
    }
  });

  it('refuses a file over the size limit and a path that climbs out, storing nothing', async () => {
    const { namespaceFiles: files } = await backend.open();
    await expect(
      files.put('plant1', 'big.bin', new Uint8Array(MAX_NAMESPACE_FILE_BYTES + 1)),
    ).rejects.toThrow(/more than the 10485760/);
    await expect(files.put('plant1', '../etc/passwd', text('x'))).rejects.toThrow(/'\.\.'/);
    expect(await backend.rows('SELECT * FROM namespace_file_revisions')).toEqual([]);
  });
}
