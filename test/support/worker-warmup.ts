/**
 * vitest global setup: transpiles, once per run, the store's worker modules and what they import, as
 * worker threads load them from source, so that no test waits for TypeScript to load in a worker.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
// @ts-expect-error: a plain JavaScript module (it runs in Node's module hooks), without declarations.
import { transpiled } from './worker-transpile.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const STORE = join(ROOT, 'agent/store');

/** `file` and every TypeScript file it imports, directly or not, by relative specifier. */
function withImports(file: string, found = new Set<string>()): Set<string> {
  if (found.has(file) || !existsSync(file)) return found;
  found.add(file);
  for (const [, spec] of readFileSync(file, 'utf8').matchAll(/\bfrom\s*['"](\.{1,2}\/[^'"]+)\.js['"]/g))
    withImports(resolve(dirname(file), `${spec}.ts`), found);
  return found;
}

export default async function setup(): Promise<void> {
  const files = new Set<string>();
  for (const name of readdirSync(STORE).filter((n) => n.endsWith('-worker.ts')))
    withImports(join(STORE, name), files);
  for (const file of files) await transpiled(file, readFileSync(file, 'utf8'));
}
