/** `tern plugins list` and `tern plugins doc TYPE`: the built-in plugins, documented from their schemas. */
import { findPlugin, pluginEntries, pluginListText, pluginMarkdown } from '../../plugins/plugin-docs.js';
import type { Registry } from '../../plugins/registry.js';
import { CliError, EXIT_OK, EXIT_USAGE } from '../errors.js';

/** Prints every task and trigger type, or with `json` their names, aliases and descriptions. */
export function pluginsList(registry: Registry, json: boolean): number {
  if (json) {
    const list = pluginEntries(registry).map(({ kind, def }) => ({
      kind,
      type: def.type,
      aliases: def.aliases,
      title: def.title,
      description: def.description,
    }));
    process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
  } else {
    process.stdout.write(`${pluginListText(registry)}\n`);
  }
  return EXIT_OK;
}

/** Prints the documentation of one plugin, found by type or alias; an unknown name gets a suggestion. */
export function pluginsDoc(registry: Registry, type: string): number {
  const entry = findPlugin(registry, type);
  if (!entry) {
    const near = registry.suggest(type) ?? registry.suggestTrigger(type);
    const hint = near ? `; did you mean '${near}'?` : '; `tern plugins list` shows them all';
    throw new CliError(`unknown plugin type '${type}'${hint}`, EXIT_USAGE);
  }
  process.stdout.write(`${pluginMarkdown(entry, 1)}\n`);
  return EXIT_OK;
}
