/**
 * TLS from the command line, as real processes: `tern hub` with its
 * certificate from TERN_TLS_CERT/TERN_TLS_KEY, API commands that trust its CA
 * (TERN_CA_FILE) or not, and `tern agent` on mqtts:// with --ca-file.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadHubTrust } from '../../agent/hub-trust.js';
import { httpsFetch } from '../../cli/https-fetch.js';
import { issueServerCertificate, makeCa, type TestCa } from '../support/certificates.js';
import { assertBuilt, ROOT, TERN, tern } from '../support/cli.js';

const TOKEN = 'tern_tls_cli_admin_token_0123456789';
const dir = mkdtempSync(join(tmpdir(), 'tern-tls-cli-'));
const processes: ChildProcess[] = [];
let ca: TestCa;
let url = '';
let mqttsPort = 0;

/** Starts `tern <args>` and resolves with its output so far once `ready` matches it. */
function startProcess(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; match: RegExpExecArray; output: () => string }> {
  assertBuilt();
  const child = spawn(process.execPath, [TERN, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  processes.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const check = (d: Buffer) => {
      out += d.toString();
      const match = ready.exec(out);
      if (match) resolve({ child, match, output: () => out });
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', (code) => reject(new Error(`tern ${args[0]} exited with ${code}: ${out}`)));
  });
}

beforeAll(async () => {
  ca = makeCa(dir, 'cli-ca');
  const cert = issueServerCertificate(ca, join(dir, 'tls'), 'hub');
  const hub = await startProcess(
    [
      'hub',
      '--port',
      '0',
      '--mqtt-port',
      '0',
      '--mqtts-port',
      '0',
      '--host',
      '127.0.0.1',
      '--data-dir',
      join(dir, 'hub'),
    ],
    {
      TERN_TLS_CERT: cert.certFile,
      TERN_TLS_KEY: cert.keyFile,
      TERN_ADMIN_TOKEN: TOKEN,
      TERN_LOG_LEVEL: 'warn',
    },
    /MQTT over TLS on port (\d+)/,
  );
  mqttsPort = Number(hub.match[1]);
  url = /running at (https:\/\/\S+)/.exec(hub.output())![1]!;
}, 60_000);

afterAll(async () => {
  await Promise.all(
    processes.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve(undefined);
          child.once('exit', resolve);
          child.kill('SIGTERM');
        }),
    ),
  );
  rmSync(dir, { recursive: true, force: true });
});

describe('tern and a hub on HTTPS', () => {
  it('API commands reach it with TERN_CA_FILE', async () => {
    const listed = await tern(['flows', 'list', '--json'], {
      env: { TERN_SERVER: url, TERN_TOKEN: TOKEN, TERN_CA_FILE: ca.certFile },
    });
    expect(listed.stderr).toBe('');
    expect([listed.code, JSON.parse(listed.stdout)]).toEqual([0, []]);
  });

  it('without the CA they say the certificate is not trusted and how to fix it', async () => {
    const refused = await tern(['flows', 'list'], { env: { TERN_SERVER: url, TERN_TOKEN: TOKEN } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/cannot reach the hub at https:.*not signed by a trusted CA.*--ca-file/);
  });

  it('with a pin of another certificate they refuse it', async () => {
    const refused = await tern(['flows', 'list', '--ca-file', ca.certFile, '--tls-pin', '00'.repeat(32)], {
      env: { TERN_SERVER: url, TERN_TOKEN: TOKEN },
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/matches none of the pins/);
  });

  it('`tern agent --hub mqtts://… --ca-file` connects and the hub sees it online', async () => {
    const api = httpsFetch(loadHubTrust({ caFile: ca.certFile }));
    const registered = await api(`${url}/api/v1/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'gw-cli', labels: {} }),
    });
    expect(registered.status).toBe(201);
    const { token } = (await registered.json()) as { token: string };
    await startProcess(
      [
        'agent',
        '--hub',
        `mqtts://127.0.0.1:${mqttsPort}`,
        '--id',
        'gw-cli',
        '--ca-file',
        ca.certFile,
        '--data-dir',
        join(dir, 'agent'),
      ],
      { TERN_AGENT_TOKEN: token, TERN_LOG_LEVEL: 'info' },
      /connected to the hub/,
    );
    await vi.waitFor(
      async () => {
        const agents = await api(`${url}/api/v1/agents`, { headers: { authorization: `Bearer ${TOKEN}` } });
        const body = (await agents.json()) as { items: { id: string; online: boolean }[] };
        expect(body.items.find((a) => a.id === 'gw-cli')?.online).toBe(true);
      },
      { timeout: 15_000, interval: 50 },
    );
  });
});
