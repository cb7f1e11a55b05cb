/** An agent's secrets: TERN_SECRET_* variables and a secrets file. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSecrets, readSecretsFile, secretSource, secretsFromEnvironment } from './secrets.js';

const file = (text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'tern-secrets-')), 'secrets.yml');
  writeFileSync(path, text);
  return path;
};

describe('agent secrets', () => {
  it('reads TERN_SECRET_* variables as plain text, leaving out the hub key', () => {
    expect(
      secretsFromEnvironment({
        TERN_SECRET_API_KEY: 'k1',
        TERN_SECRET_KEY: 'hub-key',
        TERN_SECRET_: 'x',
        HOME: '/',
      }),
    ).toEqual({ API_KEY: 'k1' });
  });

  it('reads a YAML map, and environment variables win over it', () => {
    const path = file('API_KEY: from-file\nPORT: 5432\n');
    const values = loadSecrets({
      file: path,
      environment: secretsFromEnvironment({ TERN_SECRET_API_KEY: 'from-env' }),
    });
    expect(values).toEqual({ API_KEY: 'from-env', PORT: '5432' });
    expect(secretSource(values).get('PORT', 'any.namespace')).toBe('5432');
  });

  it('names the file and the entry at fault', () => {
    expect(() => readSecretsFile(file('NESTED: { a: 1 }\n'))).toThrow(/secrets\.yml: NESTED must be text/);
    expect(() => readSecretsFile(file('- a\n'))).toThrow(/must be a map of NAME: value/);
    expect(() => readSecretsFile('/nonexistent/secrets.yml')).toThrow(
      /secrets file \/nonexistent\/secrets\.yml/,
    );
  });
});
