/**
 * Module hooks for worker threads started from source (see worker-loader.mjs): a `./x.js` that does not
 * exist is `./x.ts`, and a `.ts` file is turned into JavaScript by TypeScript's transpiler (types removed,
 * one file at a time, as `verbatimModuleSyntax` allows).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transpiled } from './worker-transpile.mjs';

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    if (!/^(\.{1,2}\/|file:).*\.js$/.test(specifier)) throw err;
    return next(specifier.replace(/\.js$/, '.ts'), context);
  }
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const fileName = fileURLToPath(url);
  const source = await transpiled(fileName, await readFile(fileName, 'utf8'));
  return { format: 'module', source, shortCircuit: true };
}
