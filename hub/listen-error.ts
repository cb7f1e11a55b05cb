/** Listeners that cannot start, said in one line that names the option to change. */

/**
 * A listener that could not start, said in one line: a port in use names the
 * option that changes it (a second `tern start` is the usual cause).
 *
 * @example listenError(err, 'MQTT', { port: 1883, host: '127.0.0.1' }, '--mqtt-port')
 */
export function listenError(
  err: NodeJS.ErrnoException,
  what: string,
  at: { port: number; host?: string },
  option: string,
): Error {
  const where = `${what} port ${at.port}${at.host ? ` on ${at.host}` : ''}`;
  const message =
    err.code === 'EADDRINUSE'
      ? `the ${where} is already in use (is another hub running?): choose another with ${option}`
      : err.code === 'EACCES'
        ? `the ${where} needs more privileges than this process has: choose another with ${option}`
        : `the ${where} cannot be listened on: ${err.message}`;
  return Object.assign(new Error(message, { cause: err }), { code: err.code });
}
