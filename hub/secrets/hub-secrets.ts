/**
 * The hub's secrets: stored encrypted in PostgreSQL, held decrypted in
 * memory (`secret()` is synchronous), looked up from the flow's namespace
 * up to the global ones, then among `TERN_SECRET_*` variables of the hub.
 */

import { TernError } from '../../protocol/errors.js';
import type { SecretSource } from '../../runtime/engine/ports.js';
import { SECRET_NAME } from '../../runtime/secrets.js';
import type { SecretRepository } from '../store/types.js';
import { SecretCipher } from './cipher.js';

/** What lists show of a secret: never its value. */
export interface SecretInfo {
  /** null for a global secret. */
  namespace: string | null;
  name: string;
  /** `store`: set through the API; `environment`: a TERN_SECRET_* variable of the hub (read-only). */
  source: 'store' | 'environment';
  updatedAt: string | null;
}

/** Largest value accepted, in bytes. */
export const MAX_SECRET_BYTES = 64 * 1024;

const id = (namespace: string, name: string) => `${namespace}\0${name}`;

/** `a.b.c`, `a.b`, `a`, then '' (global). */
function lookupOrder(namespace: string | undefined): string[] {
  const order: string[] = [];
  let ns = namespace ?? '';
  while (ns !== '') {
    order.push(ns);
    const dot = ns.lastIndexOf('.');
    ns = dot < 0 ? '' : ns.slice(0, dot);
  }
  order.push('');
  return order;
}

/**
 * @example
 * const secrets = await HubSecrets.open(storage.secrets, { key, environment: { API_KEY: '…' } });
 * await secrets.set('plant1', 'DB_PASSWORD', 'p4ss');
 * secrets.get('DB_PASSWORD', 'plant1.line2'); // 'p4ss' (from the parent namespace)
 */
export class HubSecrets implements SecretSource {
  private readonly values = new Map<string, { value: string; updatedAt: string }>();
  /** Stored secrets this key cannot open, with the reason: `get` names it rather than saying "not defined". */
  private readonly unreadable = new Map<string, string>();

  private constructor(
    private readonly repository: SecretRepository,
    private readonly cipher: SecretCipher | undefined,
    private readonly environment: Record<string, string>,
    private readonly onChanged: (() => void) | undefined,
  ) {}

  /** Reads and decrypts every stored secret again (at open, and when another hub replica changed one). */
  async reload(): Promise<void> {
    const rows = await this.repository.all();
    this.values.clear();
    this.unreadable.clear();
    for (const row of rows) {
      const key = id(row.namespace, row.name);
      if (!this.cipher) {
        this.unreadable.set(
          key,
          `secret ${row.name} is stored encrypted, and the hub has no TERN_SECRET_KEY`,
        );
        continue;
      }
      try {
        this.values.set(key, {
          value: this.cipher.decrypt(row.namespace, row.name, row.ciphertext),
          updatedAt: row.updatedAt,
        });
      } catch (err) {
        this.unreadable.set(key, (err as Error).message);
      }
    }
  }

  /** Loads and decrypts every stored secret. Without `key`, stored secrets cannot be read and none can be set. */
  static async open(
    repository: SecretRepository,
    options: {
      key?: Buffer;
      environment?: Record<string, string>;
      /** Told after each `set` and `delete` (other hub replicas then reload). */
      onChanged?: () => void;
    } = {},
  ): Promise<HubSecrets> {
    const secrets = new HubSecrets(
      repository,
      options.key ? new SecretCipher(options.key) : undefined,
      { ...options.environment },
      options.onChanged,
    );
    await secrets.reload();
    return secrets;
  }

  /** Stored secrets that could not be decrypted at start (a wrong or missing key). */
  get unreadableCount(): number {
    return this.unreadable.size;
  }

  get(name: string, namespace?: string): string | undefined {
    for (const ns of lookupOrder(namespace)) {
      const key = id(ns, name);
      const found = this.values.get(key);
      if (found) return found.value;
      const problem = this.unreadable.get(key);
      if (problem) throw new Error(problem);
    }
    return this.environment[name];
  }

  /** Every value `get` could give a flow of `namespace`: its namespace's, its parents', global ones and the environment's. */
  *visibleValues(namespace?: string): Iterable<string> {
    const visible = new Set(lookupOrder(namespace));
    for (const [key, { value }] of this.values) if (visible.has(key.slice(0, key.indexOf('\0')))) yield value;
    yield* Object.values(this.environment);
  }

  /** Names of the secrets, stored ones (of `namespace` only, when given; '' for global ones) then the environment's. */
  list(namespace?: string): SecretInfo[] {
    const stored: SecretInfo[] = [];
    const seen = new Set<string>();
    for (const key of [...this.values.keys(), ...this.unreadable.keys()]) {
      if (seen.has(key)) continue;
      seen.add(key);
      const [ns = '', name = ''] = key.split('\0');
      if (namespace !== undefined && ns !== namespace) continue;
      stored.push({
        namespace: ns === '' ? null : ns,
        name,
        source: 'store',
        updatedAt: this.values.get(key)?.updatedAt ?? null,
      });
    }
    stored.sort((a, b) => compare(a.namespace ?? '', b.namespace ?? '') || compare(a.name, b.name));
    const fromEnvironment: SecretInfo[] =
      namespace === undefined || namespace === ''
        ? Object.keys(this.environment)
            .sort(compare)
            .map((name) => ({ namespace: null, name, source: 'environment', updatedAt: null }))
        : [];
    return [...stored, ...fromEnvironment];
  }

  /** Stores a secret (`namespace` null or '' for a global one). Throws CONFLICT without a key, BAD_REQUEST for a bad name or value. */
  async set(namespace: string | null, name: string, value: string): Promise<SecretInfo> {
    if (!this.cipher)
      throw new TernError(
        'CONFLICT',
        'secrets cannot be stored: the hub has no TERN_SECRET_KEY (32 bytes as hex or base64, e.g. `openssl rand -base64 32`, or a passphrase of 16+ characters)',
      );
    checkName(name);
    if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_BYTES)
      throw new TernError(
        'BAD_REQUEST',
        `secret ${name}: a value may hold at most ${MAX_SECRET_BYTES} bytes`,
      );
    const ns = namespace ?? '';
    const row = await this.repository.put(ns, name, this.cipher.encrypt(ns, name, value));
    this.values.set(id(ns, name), { value, updatedAt: row.updatedAt });
    this.unreadable.delete(id(ns, name));
    this.onChanged?.();
    return { namespace: ns === '' ? null : ns, name, source: 'store', updatedAt: row.updatedAt };
  }

  /** Deletes a stored secret; false when there was none. */
  async delete(namespace: string | null, name: string): Promise<boolean> {
    const ns = namespace ?? '';
    const deleted = await this.repository.delete(ns, name);
    this.values.delete(id(ns, name));
    this.unreadable.delete(id(ns, name));
    if (deleted) this.onChanged?.();
    return deleted;
  }
}

function checkName(name: string): void {
  if (!SECRET_NAME.test(name))
    throw new TernError(
      'BAD_REQUEST',
      `'${name}' is not a secret name: letters, digits, '_', '.' and '-', starting with a letter or '_'`,
    );
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
