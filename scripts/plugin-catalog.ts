/** Writes plugins/catalog.ts: every plugin module's kind, type and aliases, and how to import it (`npm run plugins:catalog`). */
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AnyTaskDefinition, AnyTriggerDefinition } from '../protocol/plugin.js';

type Definition = AnyTaskDefinition | AnyTriggerDefinition;

const isDefinition = (value: unknown): value is Definition =>
  typeof value === 'object' && value !== null && ['task', 'trigger'].includes((value as Definition).kind);

/** Run from its build under dist/: the built plugin modules sit beside it, the source tree one level up. */
const dist = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(dist, '..');

const entries: string[] = [];
for (const family of readdirSync(join(dist, 'plugins'), { withFileTypes: true })) {
  if (!family.isDirectory()) continue;
  for (const file of readdirSync(join(dist, 'plugins', family.name)).sort()) {
    if (!file.endsWith('.js')) continue;
    const module = (await import(pathToFileURL(join(dist, 'plugins', family.name, file)).href)) as {
      default?: unknown;
    };
    if (!isDefinition(module.default)) continue;
    const def = module.default;
    const names = [def.type, ...def.aliases].map((n) => `'${n}'`).join(', ');
    entries.push(
      `  { kind: '${def.kind}', names: [${names}], load: () => import('./${family.name}/${file}') },`,
    );
  }
}

const target = join(root, 'plugins', 'catalog.ts');
writeFileSync(
  target,
  `/**
 * Every built-in plugin module by kind, type and aliases, imported only when asked (createLazyRegistry).
 * Written by \`npm run plugins:catalog\` from the modules themselves; plugins/catalog.test.ts fails while it is stale.
 */
import type { CatalogEntry } from './registry.js';

export const builtinCatalog: readonly CatalogEntry[] = [
${entries.join('\n')}
];
`,
);
execFileSync(join(root, 'node_modules', '.bin', 'biome'), ['format', '--write', target], {
  stdio: 'inherit',
});
process.stdout.write(`wrote ${target}\n`);
