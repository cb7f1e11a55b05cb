/** Writes docs/plugins.md from the built-in plugins' schemas (`npm run docs:plugins`). */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinRegistry } from '../plugins/builtin.js';
import { pluginsMarkdown } from '../plugins/plugin-docs.js';

/** docs/plugins.md, from the source tree or from its build under dist/. */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root.endsWith('dist') ? join(root, '..') : root, 'docs', 'plugins.md');
writeFileSync(target, pluginsMarkdown(builtinRegistry()));
process.stdout.write(`wrote ${target}\n`);
