/** `tern run`: one flow once, locally. */
import type { Command } from 'commander';
import type { RunOptions } from '../commands/run.js';
import { type CliContext, collect } from './shared.js';

/** Adds `tern run FILE`. */
export function register(program: Command, { env }: CliContext): void {
  program
    .command('run')
    .description('run one flow once, locally, and report its outcome')
    .argument('<file>', 'flow file (.yml)')
    .option('-i, --input <key=value>', 'an input value (repeatable)', collect, [])
    .option('--json', 'print exactly one JSON object describing the execution', false)
    .option('--data-dir <dir>', 'where execution state is kept (default .tern/run, or TERN_DATA_DIR)')
    .option(
      '--flows <dir...>',
      'directories of flows available to subflow tasks (default: the file’s directory)',
    )
    .option('--secrets-file <file>', "YAML or JSON map of secrets for secret('NAME') (TERN_SECRET_* too)")
    .option('--resume <id>', 'resume this paused execution; --input gives its onResume inputs')
    .action(async (file: string, opts: RunOptions) => {
      const { runCommand } = await import('../commands/run.js');
      process.exitCode = await runCommand(file, opts, env);
    });
}
