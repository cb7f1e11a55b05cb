/**
 * An agent's secrets (and `tern run`'s): `TERN_SECRET_<NAME>` environment
 * variables and a secrets file, read once at start. The hub keeps its own,
 * encrypted, in PostgreSQL (hub/secrets/).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { TernError } from '../protocol/errors.js';
import type { SecretSource } from './engine/ports.js';

/** Prefix of the environment variables that hold secrets: `TERN_SECRET_API_KEY` is `secret('API_KEY')`. */
export const SECRET_ENV_PREFIX = 'TERN_SECRET_';

/** The hub's encryption key (TERN_SECRET_KEY), never a secret itself. */
export const SECRET_KEY_VARIABLE = 'TERN_SECRET_KEY';

/** Secret names: what `secret('NAME')` takes, and what an environment variable can carry. */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

/**
 * The secrets among environment variables, by name without the prefix
 * (TERN_SECRET_KEY, the hub's encryption key, is not one). Values are taken
 * as they are (Kestra's `SECRET_` variables are base64; ours are plain text).
 *
 * @example secretsFromEnvironment({ TERN_SECRET_API_KEY: 'k', HOME: '/root' }) // { API_KEY: 'k' }
 */
export function secretsFromEnvironment(env: Record<string, string | undefined>): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const [key, value] of Object.entries(env))
    if (
      key.startsWith(SECRET_ENV_PREFIX) &&
      key.length > SECRET_ENV_PREFIX.length &&
      key !== SECRET_KEY_VARIABLE &&
      value !== undefined
    )
      secrets[key.slice(SECRET_ENV_PREFIX.length)] = value;
  return secrets;
}

/**
 * A secrets file: a YAML or JSON map of name to value (numbers and booleans
 * are taken as their text). Throws a TernError naming the file and the entry at fault.
 */
export function readSecretsFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TernError('BAD_REQUEST', `secrets file ${path}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    throw new TernError('BAD_REQUEST', `secrets file ${path}: ${(err as Error).message}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data))
    throw new TernError('BAD_REQUEST', `secrets file ${path}: must be a map of NAME: value`);
  const secrets: Record<string, string> = {};
  for (const [name, value] of Object.entries(data as Record<string, unknown>)) {
    if (!SECRET_NAME.test(name))
      throw new TernError(
        'BAD_REQUEST',
        `secrets file ${path}: '${name}' is not a secret name (letters, digits, _ . -)`,
      );
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      throw new TernError(
        'BAD_REQUEST',
        `secrets file ${path}: ${name} must be text, not ${JSON.stringify(value)}`,
      );
    secrets[name] = String(value);
  }
  return secrets;
}

/**
 * The agent's secrets: the file's, then those of the environment (which
 * win), as {@link secretsFromEnvironment} found them.
 *
 * @example
 * const values = loadSecrets({ file: 'secrets.yml', environment: secretsFromEnvironment(process.env) });
 * new Engine({ …, secrets: secretSource(values) });
 */
export function loadSecrets(options: {
  file?: string;
  environment?: Record<string, string>;
}): Record<string, string> {
  return { ...(options.file ? readSecretsFile(options.file) : {}), ...options.environment };
}

/** `secret()` over a fixed map of values (namespaces do not matter on an agent). */
export function secretSource(values: Readonly<Record<string, string>>): SecretSource {
  const map = new Map(Object.entries(values));
  return { get: (name) => map.get(name), visibleValues: () => map.values() };
}
