/** Every environment variable the `tern` command reads, named once. */
import { join } from 'node:path';

export interface CliEnvironment {
  /** Where `tern run` keeps its SQLite state. */
  runDataDir: string;
  /** Colours on a terminal unless NO_COLOR is set. */
  color: boolean;
  interactive: boolean;
  logLevel: string;
}

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): CliEnvironment {
  return {
    runDataDir: env.TERN_DATA_DIR ?? join('.tern', 'run'),
    color: process.stdout.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb',
    interactive: process.stdout.isTTY === true,
    logLevel: env.TERN_LOG_LEVEL ?? 'warn',
  };
}
