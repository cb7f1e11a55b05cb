/** How the CLI ends: exit codes (README, "Command line") and the user's errors, printed without a stack. */

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
/** `tern run`: the execution waits for a resume (a Pause without a duration); `tern run --resume ID` goes on. */
export const EXIT_PAUSED = 3;

/** An error to print as-is, then exit with `code`. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly code = EXIT_FAILED,
  ) {
    super(message);
  }
}
