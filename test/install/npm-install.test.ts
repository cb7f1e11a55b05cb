/**
 * `npm install` on a clean clone: it leaves package-lock.json as committed, and no package it installs
 * asks for a newer Node.js than the README's quick start names (npm would warn EBADENGINE).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

const require = createRequire(import.meta.url);
// npm's own version matching, as npm checks `engines`.
const semver = require('semver') as {
  satisfies(version: string, range: string): boolean;
  coerce(version: string): { version: string } | null;
};

interface LockPackage {
  engines?: { node?: string } | string[];
}
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockPackage>;
};

const dir = mkdtempSync(join(tmpdir(), 'tern-npm-install-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('leaves package-lock.json as committed', () => {
  for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(ROOT, file), join(dir, file));
  // Offline, with an empty cache: what the lockfile says is all npm may use.
  const run = spawnSync(
    'npm',
    [
      'install',
      '--package-lock-only',
      '--ignore-scripts',
      '--offline',
      '--no-audit',
      '--no-fund',
      '--cache',
      join(dir, 'cache'),
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  expect(run.status, run.stderr).toBe(0);
  expect(readFileSync(join(dir, 'package-lock.json'), 'utf8')).toBe(
    readFileSync(join(ROOT, 'package-lock.json'), 'utf8'),
  );
}, 120_000);

it("installs no package that wants a newer Node.js than the README's quick start names", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const named = /^Requires Node\.js (\d+\.\d+) or later/m.exec(readme)?.[1];
  expect(named, 'the README names the Node.js version it needs').toBeDefined();
  const minimum = semver.coerce(named!)!.version;
  const refusing = Object.entries(lock.packages)
    .map(([path, pkg]) => [path, Array.isArray(pkg.engines) ? undefined : pkg.engines?.node] as const)
    .filter(([, range]) => range !== undefined && !semver.satisfies(minimum, range))
    .map(([path, range]) => `${path || 'tern'} wants node ${range}`);
  expect(refusing).toEqual([]);
});
