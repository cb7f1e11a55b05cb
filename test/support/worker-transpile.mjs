/**
 * TypeScript to JavaScript for worker modules run from source, kept by content in the temporary folder:
 * each worker thread has its own module hooks, and loading TypeScript there costs seconds on a busy machine.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CACHE = join(tmpdir(), 'tern-worker-modules');

/** The JavaScript of `source` (the text of the TypeScript file `fileName`), transpiled once per content. */
export async function transpiled(fileName, source) {
  const cached = join(CACHE, `${createHash('sha256').update(fileName).update(source).digest('hex')}.js`);
  try {
    return readFileSync(cached, 'utf8');
  } catch {
    // Not transpiled yet.
  }
  const { default: ts } = await import('typescript');
  const { outputText } = ts.transpileModule(source, {
    fileName,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
      inlineSourceMap: true,
    },
  });
  mkdirSync(CACHE, { recursive: true });
  // Written whole, then renamed into place: another process may read the same entry.
  writeFileSync(`${cached}.${process.pid}`, outputText);
  renameSync(`${cached}.${process.pid}`, cached);
  return outputText;
}
