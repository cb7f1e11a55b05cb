/** The data directory lock: one holder at a time, stale locks of dead processes taken over. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { lockDirectory } from './dir-lock.js';

let dir: string;
let lockPath: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tern-lock-'));
  lockPath = join(dir, 'pgdata.lock');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('refuses a second holder while the first holds the lock', () => {
  const release = lockDirectory(lockPath);
  expect(() => lockDirectory(lockPath)).toThrow(/another Tern hub is using this data directory/);
  release();
});

it('can be taken again once released, and removes its file on release', () => {
  lockDirectory(lockPath)();
  expect(existsSync(lockPath)).toBe(false);
  const release = lockDirectory(lockPath);
  expect(existsSync(lockPath)).toBe(true);
  release();
});

it('takes over a lock left by a process that has exited', () => {
  const exited = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  writeFileSync(lockPath, exited.stdout);
  const release = lockDirectory(lockPath);
  expect(readFileSync(lockPath, 'utf8')).toBe(String(process.pid));
  release();
});
