/** Why a write failed: the database refusing a record for good, or the database out of reach for a while. */

/**
 * SQLSTATE classes that blame the data written: cardinality violation (21), data exception (22: bad
 * text, dates or numbers out of range), integrity constraint violation (23) and program limit exceeded
 * (54: a row or value too large). Writing the same record again fails again.
 */
const REFUSAL_CLASSES: ReadonlySet<string> = new Set(['21', '22', '23', '54']);

/** What PGlite and postgres.js errors carry from the server. */
interface ServerError {
  code: string;
  message: string;
  severity: string;
}

/**
 * True when the database refused the data itself (see {@link REFUSAL_CLASSES}), or when a record could
 * not even be serialised (a TypeError or RangeError thrown before the query). Every other failure (lost
 * connection, server shutting down, disk full, deadlock, or an error without a SQLSTATE) is transient:
 * the same write is tried again later.
 */
export function isRecordRefusal(error: unknown): boolean {
  const server = serverError(error);
  if (server) return REFUSAL_CLASSES.has(server.code.slice(0, 2));
  return error instanceof TypeError || error instanceof RangeError;
}

/**
 * A short reason for a log or a placeholder: the server's message and SQLSTATE, never the query or its
 * parameters (drizzle's own message holds both, and with them the data).
 *
 * @example writeErrorReason(err) // 'value too long for type character varying(3) (SQLSTATE 22001)'
 */
export function writeErrorReason(error: unknown): string {
  const server = serverError(error);
  if (server) return clip(`${server.message} (SQLSTATE ${server.code})`);
  let inner: unknown = error;
  for (let depth = 0; depth < 5 && inner instanceof Error && inner.cause !== undefined; depth++)
    inner = inner.cause;
  return clip(inner instanceof Error ? inner.message : String(inner));
}

/** The first error in the `cause` chain that came from the server. */
function serverError(error: unknown): ServerError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const e = current as Partial<ServerError> & { cause?: unknown };
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && typeof e.severity === 'string')
      return e as ServerError;
    current = e.cause;
  }
  return undefined;
}

function clip(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
