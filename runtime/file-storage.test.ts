/** DirectoryFileStorage: copies under execution/task run folders, URIs, and refusal of escaping names. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectoryFileStorage } from './file-storage.js';

let dir: string;
let source: string;
let files: DirectoryFileStorage;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tern-files-'));
  source = join(dir, 'source.csv');
  writeFileSync(source, 'ts,temp\n1,21.5\n');
  files = new DirectoryFileStorage(join(dir, 'storage'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('DirectoryFileStorage', () => {
  it('copies a file under <root>/<execution>/<task run>/<name>', async () => {
    await files.put('exec1', 'run1', 'report.csv', source);
    expect(readFileSync(join(dir, 'storage', 'exec1', 'run1', 'report.csv'), 'utf8')).toBe(
      readFileSync(source, 'utf8'),
    );
  });

  it("deletes an execution's files, giving their URIs, and leaves other executions' alone", async () => {
    const kept = await files.put('exec2', 'run1', 'a.csv', source);
    const gone = [
      await files.put('exec1', 'run1', 'out/my report.csv', source),
      await files.put('exec1', 'run2', 'b.csv', source),
    ];
    expect([await files.deleteExecutionFiles('exec1'), existsSync(files.localPath(kept))]).toEqual([
      gone.sort(),
      true,
    ]);
    expect(existsSync(join(dir, 'storage', 'exec1'))).toBe(false);
  });

  it('deletes nothing, and says so, for an execution without files', async () => {
    expect(await files.deleteExecutionFiles('none')).toEqual([]);
  });

  it('returns a tern:/// URI naming execution, task run and file', async () => {
    expect(await files.put('exec1', 'run1', 'report.csv', source)).toBe('tern:///exec1/run1/report.csv');
  });

  it('keeps the subfolders of a name', async () => {
    const uri = await files.put('exec1', 'run1', 'out/daily/report.csv', source);
    expect(files.localPath(uri)).toBe(join(dir, 'storage', 'exec1', 'run1', 'out', 'daily', 'report.csv'));
  });

  it('maps a URI back to the stored file, whatever characters the name holds', async () => {
    const uri = await files.put('exec1', 'run1', 'my report #1 (é).csv', source);
    expect(readFileSync(files.localPath(uri), 'utf8')).toBe(readFileSync(source, 'utf8'));
  });

  it('replaces a file stored again under the same name', async () => {
    await files.put('exec1', 'run1', 'report.csv', source);
    writeFileSync(source, 'changed');
    const uri = await files.put('exec1', 'run1', 'report.csv', source);
    expect(readFileSync(files.localPath(uri), 'utf8')).toBe('changed');
  });

  it.each(['../escape.csv', 'out/../../escape.csv', '/abs.csv', 'a//b.csv', 'dir\\file.csv', '.'])(
    'refuses the name %j',
    async (name) => {
      await expect(files.put('exec1', 'run1', name, source)).rejects.toThrow(/cannot name a stored file/);
    },
  );

  it('refuses an execution id that is a path', async () => {
    await expect(files.put('../exec1', 'run1', 'report.csv', source)).rejects.toThrow(/execution id/);
  });

  it('refuses a task run id that is a path', async () => {
    await expect(files.put('exec1', 'a/b', 'report.csv', source)).rejects.toThrow(/task run id/);
  });

  it("reads Kestra's kestra:/// URI as the same stored file as tern:///", async () => {
    const uri = await files.put('exec1', 'run1', 'report.csv', source);
    const kestra = uri.replace('tern:///', 'kestra:///');
    expect(files.isUri(kestra)).toBe(true);
    expect(files.localPath(kestra)).toBe(files.localPath(uri));
  });

  it('recognises its own URIs', async () => {
    expect(files.isUri(await files.put('exec1', 'run1', 'report.csv', source))).toBe(true);
  });

  it.each([
    'file:///tmp/report.csv',
    'tern:///exec1/report.csv',
    'tern:///exec1/run1/%2E%2E/x',
    'tern:///exec1/run1/%E0%A4%A',
    '/tmp/report.csv',
  ])('does not take %j for one of its URIs', (value) => {
    expect(files.isUri(value)).toBe(false);
  });

  it('refuses the local path of a URI that is not its own', () => {
    expect(() => files.localPath('tern:///exec1/run1/%2E%2E/%2E%2E/etc/passwd')).toThrow(
      /not a file storage URI/,
    );
  });
});
