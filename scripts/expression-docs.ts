/** Writes docs/expressions.md from the expression compatibility table (`npm run docs:expressions`). */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expressionsMarkdown } from '../runtime/expr/compat/table.js';

/** docs/expressions.md, from the source tree or from its build under dist/. */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root.endsWith('dist') ? join(root, '..') : root, 'docs', 'expressions.md');
writeFileSync(target, expressionsMarkdown());
process.stdout.write(`wrote ${target}\n`);
