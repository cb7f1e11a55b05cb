/** Driver errors as task errors: a lost connection or a lock may pass (retry), a bad statement will not. */
import { TaskError } from '../../protocol/errors.js';
import { type Connection, DIALECT_NAMES } from './connection.js';

/** Error codes of the drivers (and of Node's sockets) that a later attempt may not meet. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'PROTOCOL_CONNECTION_LOST',
  'ER_CON_COUNT_ERROR',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
]);

/** SQLSTATE classes worth another attempt: connection, rollback, resources, operator intervention. */
const TRANSIENT_SQLSTATE = /^(08|40|53|57P|58)/;

function isTransient(code: string | undefined, dialect: Connection['dialect']): boolean {
  if (!code) return false;
  if (TRANSIENT_CODES.has(code)) return true;
  return dialect === 'postgres' && /^[0-9A-Z]{5}$/.test(code) && TRANSIENT_SQLSTATE.test(code);
}

/**
 * A driver's error as a TaskError naming the database kind (never the URL,
 * which may hold a password); an error on an aborted task is the abort.
 */
export function sqlFailure(connection: Connection, err: unknown, signal: AbortSignal): TaskError {
  if (err instanceof TaskError) return err;
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    const message = reason instanceof Error ? reason.message : String(reason ?? '');
    return new TaskError(message || 'the task was aborted', true, { cause: reason });
  }
  const e = err as { code?: unknown; message?: string };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = e.message || code || String(err);
  return new TaskError(
    `${DIALECT_NAMES[connection.dialect]}: ${message}`,
    isTransient(code, connection.dialect),
    {
      cause: err,
      details: code ? { code } : undefined,
    },
  );
}
