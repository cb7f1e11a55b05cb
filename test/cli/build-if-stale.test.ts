/** `npm start` and `npm install` build through scripts/build-if-stale.mjs: only when a source is newer than the last build. */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';

const SCRIPT = join(import.meta.dirname, '../../scripts/build-if-stale.mjs');
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A project whose `build` script only counts its runs, with one source file. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tern-build-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'scripts'));
  mkdirSync(join(dir, 'hub'));
  copyFileSync(SCRIPT, join(dir, 'scripts/build-if-stale.mjs'));
  writeFileSync(join(dir, 'hub/a.ts'), 'export const a = 1;\n');
  writeFileSync(join(dir, 'hub/a.test.ts'), '');
  const build = "require('fs').mkdirSync('dist',{recursive:true});require('fs').appendFileSync('builds','x')";
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'p', scripts: { build: `node -e "${build}"` } }),
  );
  // Written a minute ago: only what a test changes later is newer than the first build.
  const past = Date.now() / 1000 - 60;
  for (const path of [
    'hub/a.ts',
    'hub/a.test.ts',
    'hub',
    'package.json',
    'scripts/build-if-stale.mjs',
    'scripts',
  ]) {
    utimesSync(join(dir, path), past, past);
  }
  return dir;
}

function buildIfStale(dir: string): number {
  const run = spawnSync('node', ['scripts/build-if-stale.mjs'], { cwd: dir, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  try {
    return readFileSync(join(dir, 'builds'), 'utf8').length;
  } catch {
    return 0;
  }
}

/** Dates the last build ten seconds back, so that a change made now is newer than it. */
function ageLastBuild(dir: string): void {
  const past = Date.now() / 1000 - 10;
  utimesSync(join(dir, 'dist/.build-stamp'), past, past);
}

it('builds a fresh checkout, then not again until a source changes', () => {
  const dir = project();
  expect(buildIfStale(dir)).toBe(1);
  expect(buildIfStale(dir)).toBe(1);
  ageLastBuild(dir);
  writeFileSync(join(dir, 'hub/a.ts'), 'export const a = 2;\n');
  expect(buildIfStale(dir)).toBe(2);
  expect(buildIfStale(dir)).toBe(2);
});

it('builds again when a source file is deleted', () => {
  const dir = project();
  expect(buildIfStale(dir)).toBe(1);
  ageLastBuild(dir);
  rmSync(join(dir, 'hub/a.ts'));
  expect(buildIfStale(dir)).toBe(2);
});

it('does not count a change to a test as a change to the sources', () => {
  const dir = project();
  expect(buildIfStale(dir)).toBe(1);
  ageLastBuild(dir);
  writeFileSync(join(dir, 'hub/a.test.ts'), 'it.todo("a");\n');
  expect(buildIfStale(dir)).toBe(1);
});
