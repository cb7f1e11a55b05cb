/** `tern hub keys list` and `tern hub keys rotate`: the hub's signing keys, through its API. */
import type { ApiClient } from '../client.js';
import { EXIT_OK } from '../errors.js';
import type { Output } from './remote.js';

interface SigningKeys {
  current: string;
  next?: string;
  keys: {
    publicKey: string;
    fingerprint: string;
    state: 'current' | 'next' | 'retired';
    createdAt: string;
  }[];
}

function print(out: Output, keys: SigningKeys, said?: string): void {
  if (out.json) {
    process.stdout.write(`${JSON.stringify(keys)}\n`);
    return;
  }
  for (const k of keys.keys)
    if (k.state !== 'retired') out.printer.line(`${k.state.padEnd(8)} ${k.publicKey}  (${k.fingerprint})`);
  out.printer.line(`${keys.keys.filter((k) => k.state === 'retired').length} retired key(s)`);
  if (said) out.printer.line(said);
}

/** Lists the keys; the current one is what `tern agent --hub-key` takes. */
export async function keysList(client: ApiClient, out: Output): Promise<number> {
  print(out, await client.get<SigningKeys>('/signing-keys'));
  return EXIT_OK;
}

/**
 * Begins a rotation (a next key, announced to every agent), or with `finish` ends it (the next key
 * signs from then on).
 */
export async function keysRotate(client: ApiClient, out: Output, finish: boolean): Promise<number> {
  const path = finish ? '/signing-keys/next/promote' : '/signing-keys/next';
  const keys = (await client.request<SigningKeys>('POST', path)) as SigningKeys;
  print(
    out,
    keys,
    finish
      ? 'rotation finished: the new key signs every desired state from now on'
      : 'rotation begun: agents are told the next key; once they have it, run `tern hub keys rotate --finish`',
  );
  return EXIT_OK;
}
