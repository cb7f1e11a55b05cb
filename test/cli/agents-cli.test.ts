/**
 * `tern agents versions upload|list`, `tern agents set-version` and `tern agents rotate-token` (the built
 * CLI) against a real hub: an archive uploaded with the digest the hub computed, listed, and set as a
 * registered agent's version; an agent's token replaced, the new one printed for scripts to keep.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../hub/hub.js';
import { tern } from '../support/cli.js';
import { apiCaller, startTestHub } from '../support/hub-api.js';

const ADMIN = 'tern_agents_cli_admin_token_0123456789';
const root = mkdtempSync(join(tmpdir(), 'tern-agents-cli-'));
let hub: Hub;

beforeAll(async () => {
  hub = await startTestHub(join(root, 'hub'), ADMIN);
}, 60_000);

afterAll(async () => {
  await hub?.close();
  rmSync(root, { recursive: true, force: true });
});

const cli = (...args: string[]) => tern(['agents', ...args, '--server', hub.url, '--token', ADMIN]);

describe('tern agents', () => {
  it('uploads a version, lists it, and sets it as an agent’s version', async () => {
    const archive = gzipSync(Buffer.from('bundle 1.2.0'));
    const file = join(root, 'tern-agent-1.2.0.tar.gz');
    writeFileSync(file, archive);
    const sha256 = createHash('sha256').update(archive).digest('hex');

    const uploaded = await cli('versions', 'upload', '1.2.0', file);
    expect(uploaded.stderr).toBe('');
    expect(uploaded.stdout).toContain(`uploaded 1.2.0  ${archive.length} bytes  sha256 ${sha256}`);
    expect(uploaded.code).toBe(0);

    const listed = await cli('versions', 'list');
    expect(listed.stdout).toContain(`1.2.0  ${archive.length} bytes  sha256 ${sha256}`);
    expect(listed.stdout).toContain('1 version(s)');

    await apiCaller(hub.url, ADMIN)('POST', '/agents', { json: { id: 'gw-cli-version', labels: {} } });
    const set = await cli('set-version', 'gw-cli-version', '1.2.0');
    expect(set.stdout).toContain('agent gw-cli-version: asked to run 1.2.0');
    expect(set.code).toBe(0);
    const missing = await cli('set-version', 'gw-cli-version', '9.9.9');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('no agent version 9.9.9: upload it first');
  }, 60_000);

  it('rotates an agent’s token: the new one printed alone, the old one refused; unknown agents fail', async () => {
    const call = apiCaller(hub.url, ADMIN);
    const registered = await call('POST', '/agents', { json: { id: 'gw-cli-rekey' } });
    const rotated = await cli('rotate-token', 'gw-cli-rekey');
    expect(rotated.code).toBe(0);
    const token = rotated.stdout.trim();
    expect(token).toMatch(/^\S{20,}$/);
    expect(rotated.stderr).toContain('agent gw-cli-rekey: new token above');
    expect(await hub.storage.agents.verifyCredentials('gw-cli-rekey', token)).toBe(true);
    expect(await hub.storage.agents.verifyCredentials('gw-cli-rekey', registered.body.token)).toBe(false);

    const json = await cli('rotate-token', 'gw-cli-rekey', '--json');
    expect(json.code).toBe(0);
    expect(await hub.storage.agents.verifyCredentials('gw-cli-rekey', JSON.parse(json.stdout).token)).toBe(
      true,
    );

    const unknown = await cli('rotate-token', 'gw-never');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('no agent gw-never');
  }, 60_000);
});
