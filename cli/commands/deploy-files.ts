/**
 * The namespace files half of `tern deploy`: each `_files/` folder under the deployed folder is uploaded as the
 * files of one namespace, as Kestra's CLI and its Git sync lay them out.
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Flow } from '../../protocol/flow.js';
import { NAMESPACE_FILES_FOLDER } from '../../runtime/flow-loader.js';
import { type ApiClient, enc } from '../client.js';
import { CliError, EXIT_FAILED } from '../errors.js';

/** One `_files/` folder and the namespace its files go to. */
export interface FilesFolder {
  dir: string;
  namespace: string;
}

/** Every `_files/` folder under `root` (hidden folders skipped), found before anything is sent. */
async function findFilesFolders(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.name === NAMESPACE_FILES_FOLDER) found.push(path);
      else await walk(path);
    }
  };
  await walk(root);
  return found.sort();
}

/**
 * The namespace of each `_files/` folder: that of the flows directly in its parent folder when they share one,
 * else `--namespace`; anything else is a problem naming the folder.
 */
export async function filesFolders(
  root: string,
  flows: readonly { flow: Flow; file: string }[],
  namespaceOption: string | undefined,
  problems: string[],
): Promise<FilesFolder[]> {
  const folders: FilesFolder[] = [];
  for (const dir of await findFilesFolders(root)) {
    const parent = dirname(dir);
    const beside = new Set(flows.filter((f) => dirname(f.file) === parent).map((f) => f.flow.namespace));
    if (beside.size === 1) folders.push({ dir, namespace: [...beside][0]! });
    else if (beside.size === 0 && namespaceOption) folders.push({ dir, namespace: namespaceOption });
    else {
      const why =
        beside.size > 1
          ? `the flows beside it are of several namespaces (${[...beside].sort().join(', ')})`
          : 'no flow beside it names its namespace';
      problems.push(`${dir}: cannot tell which namespace these files belong to: ${why}; give --namespace`);
    }
  }
  return folders;
}

/** Relative paths (with `/`) of every file under `dir`. */
async function localFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

interface RemoteFile {
  path: string;
  size: number;
  revision: number;
}

export type FileAction = 'created' | 'updated' | 'unchanged' | 'deleted';

/**
 * Makes the namespace's files match the folder: uploads new and changed files (compared byte for byte), and with
 * `prune` deletes the namespace's files the folder does not hold. Calls `report` for each file.
 */
export async function deployFilesFolder(
  folder: FilesFolder,
  client: ApiClient,
  options: { prune: boolean; dryRun: boolean },
  report: (action: FileAction, name: string, revision?: number) => void,
): Promise<void> {
  const { namespace } = folder;
  const base = `/namespaces/${enc(namespace)}/files`;
  const listing = await client.get<{ items: RemoteFile[] }>(`${base}/directory`);
  const remote = new Map(listing.items.map((f) => [f.path, f]));
  const paths = await localFiles(folder.dir);
  for (const path of paths) {
    const content = await readFile(join(folder.dir, path));
    const existing = remote.get(path);
    const name = `${namespace}:/${path}`;
    if (existing && existing.size === content.byteLength) {
      const stored = await client.bytes(`${base}?path=${enc(path)}`);
      if (stored && Buffer.compare(Buffer.from(stored), content) === 0) {
        report('unchanged', name, existing.revision);
        continue;
      }
    }
    let revision: number | undefined;
    if (!options.dryRun) {
      const saved = await client.request<RemoteFile>('PUT', `${base}?path=${enc(path)}`, { bytes: content });
      if (!saved) throw new CliError(`PUT ${name}: no answer from the hub`, EXIT_FAILED);
      revision = saved.revision;
    }
    report(existing ? 'updated' : 'created', name, revision);
  }
  if (!options.prune) return;
  const kept = new Set(paths);
  for (const path of [...remote.keys()].filter((p) => !kept.has(p))) {
    if (!options.dryRun) await client.request('DELETE', `${base}?path=${enc(path)}`);
    report('deleted', `${namespace}:/${path}`);
  }
}
