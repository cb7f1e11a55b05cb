/** `tern secrets list|set|delete`: the hub's secrets from the command line (values go in, never out). */
import { text } from 'node:stream/consumers';
import { type ApiClient, enc } from '../client.js';
import { CliError, EXIT_OK, EXIT_USAGE } from '../errors.js';
import type { Output } from './remote.js';

interface SecretInfo {
  namespace: string | null;
  name: string;
  source: 'store' | 'environment';
  updatedAt: string | null;
}

const path = (name: string, namespace?: string) =>
  namespace ? `/secrets/${enc(namespace)}/${enc(name)}` : `/secrets/${enc(name)}`;

const where = (namespace?: string) => (namespace ? `namespace ${namespace}` : 'global');

export async function secretsList(client: ApiClient, out: Output, namespace?: string): Promise<number> {
  const r = await client.get<{ items: SecretInfo[] }>(
    `/secrets${namespace !== undefined ? `?namespace=${enc(namespace)}` : ''}`,
  );
  if (out.json) process.stdout.write(`${JSON.stringify(r.items)}\n`);
  else {
    for (const s of r.items)
      out.printer.line(
        `${s.namespace ?? '(global)'}  ${s.name}  ${s.source === 'environment' ? 'TERN_SECRET_ variable' : (s.updatedAt ?? '')}`,
      );
    out.printer.line(`${r.items.length} secret(s)`);
  }
  return EXIT_OK;
}

/**
 * Stores a secret. Without `value` it is read from standard input (one
 * trailing newline dropped), so that it stays out of the shell's history.
 */
export async function secretsSet(
  client: ApiClient,
  out: Output,
  name: string,
  value: string | undefined,
  namespace?: string,
): Promise<number> {
  let secret = value;
  if (secret === undefined) {
    if (process.stdin.isTTY) throw new CliError('give the value, or pipe it on standard input', EXIT_USAGE);
    secret = (await text(process.stdin)).replace(/\r?\n$/, '');
  }
  const r = await client.request<SecretInfo>('PUT', path(name, namespace), { json: { value: secret } });
  if (out.json) process.stdout.write(`${JSON.stringify(r)}\n`);
  else out.printer.line(`secret ${name} stored (${where(namespace)})`);
  return EXIT_OK;
}

export async function secretsDelete(
  client: ApiClient,
  out: Output,
  name: string,
  namespace?: string,
): Promise<number> {
  await client.request('DELETE', path(name, namespace));
  if (out.json) process.stdout.write(`${JSON.stringify({ deleted: name, namespace: namespace ?? null })}\n`);
  else out.printer.line(`secret ${name} deleted (${where(namespace)})`);
  return EXIT_OK;
}
