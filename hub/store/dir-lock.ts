/** An exclusive lock on a folder, held by one process: PGlite has none of its own. */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

/**
 * Takes the lock file `path` for this process, or throws when a live process
 * holds it. A lock left behind by a process that is gone is taken over. Two
 * processes opening one PGlite folder would corrupt it, so the second is refused.
 *
 * @example
 * const release = lockDirectory('.tern/hub/pgdata.lock');
 * // … use the folder …
 * release();
 */
export function lockDirectory(path: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (isAlive(holder)) {
        throw new Error(
          `${path} is held by process ${holder}: another Tern hub is using this data directory`,
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not take the lock ${path}`);
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
