/**
 * The layering of the source folders: protocol ← plugins ← runtime ← {agent, hub} ← cli.
 * A production file may import its own folder and the folders below it, never above or beside.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** What each folder may import besides itself. */
const ALLOWED: Record<string, readonly string[]> = {
  protocol: [],
  plugins: ['protocol'],
  runtime: ['protocol', 'plugins'],
  agent: ['protocol', 'plugins', 'runtime'],
  hub: ['protocol', 'plugins', 'runtime'],
  cli: ['protocol', 'plugins', 'runtime', 'agent', 'hub'],
  ui: ['protocol', 'hub'], // ui/src: the web UI reads the API's types
};

function sources(folder: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'web') walk(path);
      } else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.test.ts')) {
        found.push(path);
      }
    }
  };
  walk(join(ROOT, folder));
  return found;
}

/** Every relative module specifier of a file: static imports, re-exports, dynamic imports, worker URLs. */
function relativeSpecifiers(text: string): string[] {
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bnew URL\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;
  return [...text.matchAll(pattern)].map((m) => m[1]!);
}

function violations(): string[] {
  const found: string[] = [];
  for (const [folder, allowed] of Object.entries(ALLOWED)) {
    for (const file of sources(folder === 'ui' ? 'ui/src' : folder)) {
      for (const spec of relativeSpecifiers(readFileSync(file, 'utf8'))) {
        const target = relative(ROOT, resolve(dirname(file), spec)).split('/')[0]!;
        if (target !== folder && !allowed.includes(target)) {
          found.push(`${relative(ROOT, file)} imports ${spec} (${folder} may not import ${target})`);
        }
      }
    }
  }
  return found;
}

describe('source layering', () => {
  it('finds every kind of relative specifier', () => {
    const text = [
      "import { a } from '../hub/a.js';",
      "export { b } from './b.js';",
      "const c = await import('../agent/c.js');",
      "new Worker(new URL('./worker.js', import.meta.url));",
      "const s = 'not ../an/import.js';",
    ].join('\n');
    expect(relativeSpecifiers(text)).toEqual(['../hub/a.js', './b.js', '../agent/c.js', './worker.js']);
  });

  it('no production file imports a folder above or beside its own', () => {
    expect(violations()).toEqual([]);
  });
});

describe('test discovery', () => {
  it('runs the tests of every source folder', async () => {
    const { default: config } = await import('../../vitest.config.js');
    const include = config.test?.include?.join(' ') ?? '';
    for (const folder of Object.keys(ALLOWED).filter((f) => f !== 'ui')) expect(include).toContain(folder);
  });
});
