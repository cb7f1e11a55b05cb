#!/usr/bin/env node
/**
 * The `tern` command: the composition root that wires the engine, the agent and the hub.
 * Each command's flags are registered by its module in register/; its code (commands/) loads
 * when it runs, so `tern agent` never loads the hub's.
 */
import { Command, CommanderError } from 'commander';
import { readEnvironment } from './config.js';
import { CliError, EXIT_FAILED, EXIT_USAGE } from './errors.js';
import { Printer } from './format.js';
import * as agent from './register/agent.js';
import * as deploy from './register/deploy.js';
import * as executions from './register/executions.js';
import * as flows from './register/flows.js';
import * as hub from './register/hub.js';
import * as namespaces from './register/namespaces.js';
import * as plugins from './register/plugins.js';
import * as rollouts from './register/rollouts.js';
import * as run from './register/run.js';
import * as secrets from './register/secrets.js';
import type { CliContext } from './register/shared.js';
import * as start from './register/start.js';
import * as token from './register/token.js';
import * as validate from './register/validate.js';

const VERSION = '0.1.0';

/** Every command, in the order `tern --help` lists them. */
const COMMANDS = [
  run,
  validate,
  plugins,
  hub,
  agent,
  start,
  deploy,
  flows,
  executions,
  rollouts,
  token,
  secrets,
  namespaces,
];

function program(): Command {
  const env = readEnvironment();
  const cli: CliContext = { env, printer: new Printer(env.color), version: VERSION };
  const cmd = new Command('tern')
    .description('Event-driven workflow orchestration for fleets of edge devices')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError();
  for (const command of COMMANDS) command.register(cmd, cli);
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
    // A hub that could not listen has its storage open already: nothing more will happen, so end here.
    if (
      (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ||
      (err as NodeJS.ErrnoException).code === 'EACCES'
    )
      process.exit(EXIT_FAILED);
  }
}

// Output piped into a reader that has had enough (`tern schema | head`): the rest has nowhere to go,
// which is no error of ours — stop quietly, as other command-line tools do.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

await main(process.argv);
