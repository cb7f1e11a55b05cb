/** The built-in plugin lists: one definition per plugin module, every one of them registered once. */
import { join } from 'node:path';
import { glob } from 'tinyglobby';
import { describe, expect, it } from 'vitest';
import { builtinTasks, builtinTriggers } from './index.js';
import { createRegistry } from './registry.js';

const isDefinition = (value: unknown): value is { kind: string; type: string } =>
  typeof value === 'object' &&
  value !== null &&
  ((value as { kind?: unknown }).kind === 'task' || (value as { kind?: unknown }).kind === 'trigger') &&
  typeof (value as { type?: unknown }).type === 'string';

describe('built-in plugins', () => {
  it('make a registry: no type or alias is declared twice', () => {
    expect(() => createRegistry(builtinTasks, builtinTriggers)).not.toThrow();
  });

  it('come one per module, as its default export, and each module’s definition is registered', async () => {
    const files = await glob('*/*.ts', { cwd: import.meta.dirname, ignore: ['**/*.test.ts'] });
    const registered = new Set<unknown>([...builtinTasks, ...builtinTriggers]);
    const found = new Set<unknown>();
    for (const file of files) {
      const module = (await import(join(import.meta.dirname, file))) as Record<string, unknown>;
      const definitions = Object.entries(module).filter(([, value]) => isDefinition(value));
      expect(
        definitions.map(([name]) => name),
        file,
      ).toEqual(definitions.length > 0 ? ['default'] : []);
      for (const [, def] of definitions) {
        expect(registered.has(def), `${file} is not in plugins/index.ts`).toBe(true);
        found.add(def);
      }
    }
    expect(found.size).toBe(registered.size);
  });
});
