#!/usr/bin/env node
/** The `tern` command: the composition root that wires the engine, the agent and the hub. */
import { Command, CommanderError } from 'commander';
import { flowJsonSchema } from '../agent/flow-schema.js';
import { builtinRegistry } from '../agent/local-runtime.js';
import { runCommand } from './commands/run.js';
import { validateCommand } from './commands/validate.js';
import { readEnvironment } from './config.js';
import { CliError, EXIT_FAILED, EXIT_USAGE } from './errors.js';

const VERSION = '0.1.0';

function program(): Command {
  const env = readEnvironment();
  const cmd = new Command('tern')
    .description('Event-driven workflow orchestration for fleets of edge devices')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError();

  cmd
    .command('run')
    .description('run one flow once, locally, and report its outcome')
    .argument('<file>', 'flow file (.yml)')
    .option(
      '-i, --input <key=value>',
      'an input value (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option('--json', 'print exactly one JSON object describing the execution', false)
    .option('--data-dir <dir>', 'where execution state is kept (default .tern/run, or TERN_DATA_DIR)')
    .option(
      '--flows <dir...>',
      'directories of flows available to subflow tasks (default: the file’s directory)',
    )
    .action(
      async (file: string, opts: { input: string[]; json: boolean; dataDir?: string; flows?: string[] }) => {
        process.exitCode = await runCommand(file, opts, env);
      },
    );

  cmd
    .command('validate')
    .description('check flow files and print every problem with its line and column')
    .argument('<paths...>', 'flow files or directories')
    .action(async (paths: string[]) => {
      process.exitCode = await validateCommand(paths, env);
    });

  cmd
    .command('schema')
    .description('print the flow JSON Schema (for editors and the YAML language server)')
    .action(() => {
      process.stdout.write(`${JSON.stringify(flowJsonSchema(builtinRegistry()), null, 2)}\n`);
    });

  return cmd;
}

async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    if (err instanceof CliError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = err.code;
      return;
    }
    process.stderr.write(`tern: ${(err as Error).message ?? String(err)}\n`);
    process.exitCode = EXIT_FAILED;
  }
}

await main(process.argv);
