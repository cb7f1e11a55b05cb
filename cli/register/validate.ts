/** `tern validate` and `tern schema`: checking flow files, and the schema editors check them with. */
import type { Command } from 'commander';
import type { CliContext } from './shared.js';

/** Adds `tern validate PATHS…` and `tern schema`. */
export function register(program: Command, { env }: CliContext): void {
  program
    .command('validate')
    .description('check flow files and print every problem with its line and column')
    .argument('<paths...>', 'flow files or directories')
    .action(async (paths: string[]) => {
      const { validateCommand } = await import('../commands/validate.js');
      process.exitCode = await validateCommand(paths, env);
    });

  program
    .command('schema')
    .description('print the flow JSON Schema (for editors and the YAML language server)')
    .action(async () => {
      const [{ flowJsonSchema }, { builtinRegistry }] = await Promise.all([
        import('../../runtime/flow-schema.js'),
        import('../../plugins/builtin.js'),
      ]);
      process.stdout.write(`${JSON.stringify(flowJsonSchema(builtinRegistry()), null, 2)}\n`);
    });
}
