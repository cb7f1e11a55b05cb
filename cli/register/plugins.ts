/** `tern plugins list|doc`: the task and trigger types this build knows. */
import type { Command } from 'commander';

/** The plugin commands and the registry they describe. */
async function pluginCommands() {
  const [commands, { builtinRegistry }] = await Promise.all([
    import('../commands/plugins.js'),
    import('../../plugins/builtin.js'),
  ]);
  return { ...commands, registry: builtinRegistry() };
}

/** Adds `tern plugins list` and `tern plugins doc TYPE`. */
export function register(program: Command): void {
  const plugins = program.command('plugins').description('the task and trigger types this build knows');
  plugins
    .command('list')
    .description('list every task and trigger type with its Kestra aliases')
    .option('--json', 'print JSON', false)
    .action(async (o: { json: boolean }) => {
      const { pluginsList, registry } = await pluginCommands();
      process.exitCode = pluginsList(registry, o.json);
    });
  plugins
    .command('doc')
    .description("print a type's documentation: properties, outputs and examples")
    .argument('<type>', 'a type or a Kestra alias, e.g. docker.run')
    .action(async (type: string) => {
      const { pluginsDoc, registry } = await pluginCommands();
      process.exitCode = pluginsDoc(registry, type);
    });
}
