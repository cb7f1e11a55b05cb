/** A logger that keeps what is logged at error level, for tests that check a failure was reported. */
import type { Logger } from '../../agent/engine/ports.js';

export interface Logged {
  obj: object;
  msg?: string;
}

/** Keeps every error-level line in `errors`; the other levels are dropped. */
export function recordingLogger(errors: Logged[]): Logger {
  const logger: Logger = {
    debug() {},
    info() {},
    warn() {},
    error: (obj, msg) => errors.push({ obj, msg }),
    child: () => logger,
  };
  return logger;
}
