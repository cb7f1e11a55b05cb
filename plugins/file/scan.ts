/** Reading what a `file` trigger covers from disk: one file's stamp, or every matching file under the base. */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileSelection } from './glob.js';

/** What tells one version of a file from the next: size and modification time (ms). */
export type Stamp = readonly [size: number, mtimeMs: number];

/** The file's stamp; undefined when it is gone or not a regular file. */
export async function stampOf(path: string): Promise<Stamp | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? [info.size, Math.trunc(info.mtimeMs)] : undefined;
  } catch {
    return undefined;
  }
}

/** True when `path` is a folder now. */
export async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Every file under `dir` the selection covers, with its stamp; subfolders
 * only when it is recursive, hidden ones and symbolic links to folders never.
 * A folder that cannot be read counts as empty.
 */
export async function scanFiles(
  selection: FileSelection,
  dir = selection.base,
  into = new Map<string, Stamp>(),
): Promise<Map<string, Stamp>> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return into;
  }
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (selection.recursive) await scanFiles(selection, path, into);
    } else if (selection.matches(path)) {
      const stamp = await stampOf(path);
      if (stamp) into.set(path, stamp);
    }
  }
  return into;
}
