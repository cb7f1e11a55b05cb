/** A logger that keeps what is logged at error level, for tests that check a failure was reported. */
import type { Logger } from '../../protocol/logger.js';

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

/** One logged line of any level, with the bindings of the child logger that wrote it among its fields. */
export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

/** Keeps every line at every level in `into`, for tests that check what a component said and why. */
export function memoryLogger(into: LogEntry[], bindings: Record<string, unknown> = {}): Logger {
  const at =
    (level: LogEntry['level']) =>
    (obj: object, message = '') =>
      void into.push({ level, fields: { ...bindings, ...obj }, message });
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => memoryLogger(into, { ...bindings, ...more }),
  };
}
