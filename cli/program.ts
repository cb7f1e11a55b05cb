/** Runs a `tern` program: its commands registered, its errors turned into exit codes and one line on stderr. */
import { Command, CommanderError } from 'commander';
import { readEnvironment } from './config.js';
import { CliError, EXIT_FAILED, EXIT_USAGE } from './errors.js';
import { Printer } from './format.js';
import type { CliContext } from './register/shared.js';

/** Set by the device bundle's build (`scripts/build-agent.mjs --version V`); absent everywhere else. */
declare const __TERN_BUILD_VERSION__: string | undefined;

/**
 * The version every `tern` program reports, and the one an agent gives the hub in its hello: the
 * bundle's build names it, so that two builds of one source tree can be told apart (agent updates).
 */
export const VERSION: string = typeof __TERN_BUILD_VERSION__ === 'string' ? __TERN_BUILD_VERSION__ : '0.1.0';

/** A command's module in register/: adds the command and its flags to the program. */
export interface CommandModule {
  register(program: Command, cli: CliContext): void;
}

/**
 * Parses `argv` with `commands` registered on a program named `name`, and runs the chosen one.
 *
 * @example
 * await runProgram('tern', 'Event-driven workflow orchestration', [run, agent], process.argv);
 */
export async function runProgram(
  name: string,
  description: string,
  commands: readonly CommandModule[],
  argv: string[],
): Promise<void> {
  // Output piped into a reader that has had enough (`tern schema | head`): the rest has nowhere to go,
  // which is no error of ours — stop quietly, as other command-line tools do.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
  const env = readEnvironment();
  const cli: CliContext = { env, printer: new Printer(env.color), version: VERSION };
  const program = new Command(name)
    .description(description)
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError();
  for (const command of commands) command.register(program, cli);
  try {
    await program.parseAsync(argv);
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
    process.stderr.write(`${name}: ${(err as Error).message ?? String(err)}\n`);
    process.exitCode = EXIT_FAILED;
    // A hub that could not listen has its storage open already: nothing more will happen, so end here.
    if (
      (err as NodeJS.ErrnoException).code === 'EADDRINUSE' ||
      (err as NodeJS.ErrnoException).code === 'EACCES'
    )
      process.exit(EXIT_FAILED);
  }
}
