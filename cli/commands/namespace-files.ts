/** `tern namespaces files list|get|put|delete`: a namespace's files from the command line. */
import { readFile } from 'node:fs/promises';
import { type ApiClient, enc } from '../client.js';
import { CliError, EXIT_FAILED, EXIT_OK } from '../errors.js';
import type { Output } from './remote.js';

interface FileInfo {
  path: string;
  size: number;
  revision: number;
  updatedAt: string;
}

const base = (namespace: string) => `/namespaces/${enc(namespace)}/files`;

export async function filesList(client: ApiClient, out: Output, namespace: string): Promise<number> {
  const r = await client.get<{ items: FileInfo[] }>(`${base(namespace)}/directory`);
  if (out.json) process.stdout.write(`${JSON.stringify(r.items)}\n`);
  else {
    for (const f of r.items)
      out.printer.line(`/${f.path}  ${f.size} B  revision ${f.revision}  ${f.updatedAt}`);
    out.printer.line(`${r.items.length} file(s) in ${namespace}`);
  }
  return EXIT_OK;
}

/** Writes the file's bytes to standard output, as they are. */
export async function filesGet(client: ApiClient, namespace: string, path: string): Promise<number> {
  const bytes = await client.bytes(`${base(namespace)}?path=${enc(path)}`);
  if (bytes === undefined) throw new CliError(`no namespace file '${path}' in ${namespace}`, EXIT_FAILED);
  process.stdout.write(bytes);
  return EXIT_OK;
}

export async function filesPut(
  client: ApiClient,
  out: Output,
  namespace: string,
  path: string,
  file: string,
): Promise<number> {
  const content = await readFile(file).catch((err: Error) => {
    throw new CliError(`cannot read ${file}: ${err.message}`, EXIT_FAILED);
  });
  const r = await client.request<FileInfo>('PUT', `${base(namespace)}?path=${enc(path)}`, { bytes: content });
  if (out.json) process.stdout.write(`${JSON.stringify(r)}\n`);
  else out.printer.line(`${namespace}:/${r?.path} stored (revision ${r?.revision}, ${r?.size} B)`);
  return EXIT_OK;
}

export async function filesDelete(
  client: ApiClient,
  out: Output,
  namespace: string,
  path: string,
): Promise<number> {
  await client.request('DELETE', `${base(namespace)}?path=${enc(path)}`);
  if (out.json) process.stdout.write(`${JSON.stringify({ deleted: path, namespace })}\n`);
  else out.printer.line(`${namespace}:${path} deleted`);
  return EXIT_OK;
}
