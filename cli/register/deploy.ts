/** `tern deploy`: the hub's flows, and its namespace files, made to match a folder. */
import type { Command } from 'commander';
import type { DeployOptions } from '../commands/deploy.js';
import { type ApiFlags, api, apiContext, type CliContext } from './shared.js';

/** Adds `tern deploy DIR`. */
export function register(program: Command, cli: CliContext): void {
  api(
    program
      .command('deploy')
      .description(
        "make the hub's flows, and the namespace files of its _files/ folders, match a folder: create, update and (with --prune) delete",
      )
      .argument('<dir>', 'folder of flow files')
      .option(
        '--namespace <ns>',
        'only this namespace (and those below it); also the namespace of a _files/ folder with no flow beside it',
      )
      .option('--prune', 'delete hub flows and namespace files that are not in the folder', false)
      .option('--dry-run', 'show what would change, change nothing', false),
    cli,
  ).action(async (dir: string, o: DeployOptions & ApiFlags) => {
    const { deployCommand } = await import('../commands/deploy.js');
    const { client } = await apiContext(o, cli);
    process.exitCode = await deployCommand(dir, o, client, cli.printer);
  });
}
