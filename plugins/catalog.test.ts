/** plugins/catalog.ts lists every plugin module as it is, and a lazy registry on it knows every type while loading only those asked for. */
import { join } from 'node:path';
import { glob } from 'tinyglobby';
import { describe, expect, it } from 'vitest';
import { builtinRegistry } from './builtin.js';
import { builtinCatalog } from './catalog.js';
import { createLazyRegistry } from './registry.js';

describe('plugins/catalog.ts', () => {
  it('names each plugin module’s kind, type and aliases, and loads its definition (regenerate it with `npm run plugins:catalog`)', async () => {
    const files = await glob('*/*.ts', { cwd: import.meta.dirname, ignore: ['**/*.test.ts'] });
    const modules = new Map<unknown, string>();
    for (const file of files) {
      const def = ((await import(join(import.meta.dirname, file))) as { default?: { kind?: unknown } })
        .default;
      if (def?.kind === 'task' || def?.kind === 'trigger') modules.set(def, file);
    }
    const listed = new Map<unknown, string>();
    for (const entry of builtinCatalog) {
      const def = (await entry.load()).default;
      expect({ kind: entry.kind, names: entry.names }, modules.get(def) ?? 'not a plugin module').toEqual({
        kind: def.kind,
        names: [def.type, ...def.aliases],
      });
      listed.set(def, modules.get(def)!);
    }
    expect([...listed.values()].sort(), 'plugins/catalog.ts is stale: run `npm run plugins:catalog`').toEqual(
      [...modules.values()].sort(),
    );
  });
});

describe('a lazy registry on the catalog', () => {
  it('knows every type and alias, and suggests among them, before loading any', () => {
    const lazy = createLazyRegistry(builtinCatalog);
    const eager = builtinRegistry();
    expect(new Set(lazy.taskTypes())).toEqual(new Set(eager.taskTypes()));
    expect(new Set(lazy.triggerTypes())).toEqual(new Set(eager.triggerTypes()));
    expect(new Set(lazy.typeNames())).toEqual(new Set(eager.typeNames()));
    expect(lazy.suggest('shel')).toBe('shell');
    expect(lazy.tasks()).toEqual([]);
    expect(lazy.task('log')).toBeUndefined();
  });

  it('loads the definitions of the types asked for, by name or alias, and no others', async () => {
    const lazy = createLazyRegistry(builtinCatalog);
    await lazy.load(['io.kestra.plugin.core.log.Log', 'schedule', 'no.such.type', 'STRING']);
    expect(lazy.task('log')).toBe(builtinRegistry().task('log'));
    expect(lazy.trigger('io.kestra.plugin.core.trigger.Schedule')).toBe(
      builtinRegistry().trigger('schedule'),
    );
    expect(lazy.tasks().map((d) => d.type)).toEqual(['log']);
    expect(lazy.triggers().map((d) => d.type)).toEqual(['schedule']);
    expect(lazy.task('shell')).toBeUndefined();
  });
});
