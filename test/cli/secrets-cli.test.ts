/** `tern secrets`, `tern hub keys`, `tern run --secrets-file` and `tern hub --kafka-bridge`, as real processes. */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentInput } from '../../cli/commands/agent.js';
import { ROOT, TERN, tern } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tern-secrets-cli-'));
const TOKEN = 'tern_secrets_cli_token_0123456789';
let hub: { process: ChildProcess; url: string } | undefined;

beforeAll(async () => {
  const child = spawn(
    process.execPath,
    [TERN, 'hub', '--port', '0', '--mqtt-port', '0', '--host', '127.0.0.1', '--data-dir', join(dir, 'hub')],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        NO_COLOR: '1',
        TERN_ADMIN_TOKEN: TOKEN,
        TERN_LOG_LEVEL: 'warn',
        TERN_SECRET_KEY: randomBytes(32).toString('base64'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const check = (d: Buffer) => {
      out += d.toString();
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.once('exit', (code) => reject(new Error(`tern hub exited with ${code}: ${out}`)));
  });
  hub = { process: child, url };
}, 60_000);

afterAll(async () => {
  if (hub) {
    const exited = new Promise((r) => hub?.process.once('exit', r));
    hub.process.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

const api = (args: string[]) => ['--server', hub!.url, '--token', TOKEN, ...args];

describe('tern secrets', () => {
  it('sets secrets from an argument and from standard input, lists names only, and deletes', async () => {
    expect((await tern(['secrets', 'set', 'API_KEY', 'arg-value-1', ...api([])])).code).toBe(0);
    const piped = await tern(['secrets', 'set', 'DB_PASSWORD', '--namespace', 'plant1', ...api([])], {
      input: 'piped-value-2\n',
    });
    expect(piped).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('secret DB_PASSWORD stored (namespace plant1)'),
    });

    const list = await tern(['secrets', 'list', ...api(['--json'])]);
    expect(list.code).toBe(0);
    expect(
      JSON.parse(list.stdout).map((s: { namespace: string | null; name: string }) => [s.namespace, s.name]),
    ).toEqual([
      [null, 'API_KEY'],
      ['plant1', 'DB_PASSWORD'],
    ]);
    expect(list.stdout).not.toMatch(/arg-value-1|piped-value-2/);

    expect((await tern(['secrets', 'delete', 'DB_PASSWORD', '--namespace', 'plant1', ...api([])])).code).toBe(
      0,
    );
    const again = await tern(['secrets', 'delete', 'DB_PASSWORD', '--namespace', 'plant1', ...api([])]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/404 NOT_FOUND no secret DB_PASSWORD in namespace plant1/);
  });
});

describe('tern hub keys', () => {
  it('lists the signing keys and rotates them in two steps', async () => {
    const listed = await tern(['hub', 'keys', 'list', ...api(['--json'])]);
    expect(listed.code).toBe(0);
    const first = JSON.parse(listed.stdout).current as string;
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const begun = await tern(['hub', 'keys', 'rotate', ...api([])]);
    expect(begun.code).toBe(0);
    expect(begun.stdout).toContain(`current  ${first}`);
    expect(begun.stdout).toMatch(/next {5}[A-Za-z0-9_-]{43}/);
    expect(begun.stdout).toContain('rotation begun');

    const finished = await tern(['hub', 'keys', 'rotate', '--finish', ...api(['--json'])]);
    expect(finished.code).toBe(0);
    const after = JSON.parse(finished.stdout);
    expect(after.current).not.toBe(first);
    expect(after.keys.map((k: { state: string }) => k.state)).toEqual(['retired', 'current']);

    const again = await tern(['hub', 'keys', 'rotate', '--finish', ...api([])]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('no rotation under way');
  });
});

describe('tern run with secrets', () => {
  it('reads --secrets-file and TERN_SECRET_* variables, and masks them in what it prints', async () => {
    const flow = join(dir, 'uses-secrets.yml');
    writeFileSync(
      flow,
      [
        'id: uses-secrets',
        'namespace: cli.secrets',
        'tasks:',
        '  - id: show',
        '    type: log',
        `    message: "file={{ secret('FROM_FILE') }} env={{ secret('FROM_ENV') }}"`,
        '  - id: check',
        '    type: shell',
        '    commands:',
        `      - test "{{ secret('FROM_ENV') }}" = env-secret-value && test "{{ secret('FROM_FILE') }}" = file-secret-value`,
      ].join('\n'),
    );
    const secretsFile = join(dir, 'secrets.yml');
    writeFileSync(secretsFile, 'FROM_FILE: file-secret-value\nFROM_ENV: overridden\n');
    const r = await tern(['run', flow, '--secrets-file', secretsFile, '--data-dir', join(dir, 'run')], {
      env: { TERN_SECRET_FROM_ENV: 'env-secret-value' },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('file=****** env=******');
    expect(r.stdout + r.stderr).not.toMatch(/file-secret-value|env-secret-value|overridden/);
  });

  it('names a secrets file it cannot read, with the usage exit status', async () => {
    const r = await tern(['run', join(dir, 'any.yml'), '--secrets-file', join(dir, 'missing.yml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--secrets-file: secrets file .*missing\.yml/);
  });
});

describe('tern agent with secrets', () => {
  it('takes --secrets-file and TERN_SECRET_* variables, the variables winning', () => {
    const secretsFile = join(dir, 'agent-secrets.json');
    writeFileSync(secretsFile, '{"API_KEY": "from-file", "PORT": 5432}');
    const input = agentInput({
      hub: 'mqtt://hub:1883',
      id: 'gw-01',
      secretsFile,
      secretEnvironment: { API_KEY: 'from-env' },
    });
    expect(input.secrets).toEqual({ API_KEY: 'from-env', PORT: '5432' });
  });
});

describe('tern hub --kafka-bridge', () => {
  it('refuses bridge settings that do not hold, saying what is wrong', async () => {
    const settings = join(dir, 'bridge.yml');
    writeFileSync(settings, 'brokers: localhost:9092\nroutes:\n  - { from: logs, topic: tern.logs }\n');
    const r = await tern([
      'hub',
      '--port',
      '0',
      '--mqtt-port',
      '0',
      '--data-dir',
      join(dir, 'bad'),
      '--kafka-bridge',
      settings,
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/kafka bridge: routes\.0\.from/);
  });
});
