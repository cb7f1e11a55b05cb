/**
 * The device bundle (`npm run build:agent`): built, copied with nothing else to a folder with no
 * node_modules anywhere above it, and run by plain `node` against a real hub, where it runs a flow
 * that needs its lazily loaded parts (jq's WebAssembly, java.time's port) and its worker threads.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Hub, startHub } from '../../hub/hub.js';
import { ROOT } from '../support/cli.js';
import { eventually } from './harness.js';

const ADMIN = 'tern_bundle_test_admin_token_0123456789';
const AGENT = 'bundle-gw';
const BUNDLE = join(ROOT, 'dist', 'tern-agent');

/** A new folder where Node finds no package of ours: none of its parents holds a node_modules. */
function isolatedDir(): string {
  const hasModulesAbove = (dir: string): boolean =>
    existsSync(join(dir, 'node_modules')) || (dirname(dir) !== dir && hasModulesAbove(dirname(dir)));
  const base = [tmpdir(), '/var/tmp'].find((dir) => existsSync(dir) && !hasModulesAbove(dir));
  if (!base)
    throw new Error(`no temporary folder without a node_modules above it (tried ${tmpdir()}, /var/tmp)`);
  return mkdtempSync(join(base, 'tern-bundle-'));
}

describe('the device bundle', () => {
  let device: string;
  let hubDir: string;
  let hub: Hub;
  let agent: ChildProcess | undefined;
  let stderr = '';

  beforeAll(async () => {
    await promisify(execFile)(process.execPath, [join(ROOT, 'scripts', 'build-agent.mjs')], { cwd: ROOT });
    device = isolatedDir();
    for (const file of readdirSync(BUNDLE)) copyFileSync(join(BUNDLE, file), join(device, file));
    hubDir = mkdtempSync(join(tmpdir(), 'tern-bundle-hub-'));
    hub = await startHub({
      port: 0,
      host: '127.0.0.1',
      mqttPort: 0,
      mqttHost: '127.0.0.1',
      dataDir: hubDir,
      adminToken: ADMIN,
    });
  }, 180_000);

  afterAll(async () => {
    if (agent && agent.exitCode === null) {
      const exited = new Promise((resolve) => agent!.once('exit', resolve));
      agent.kill('SIGTERM');
      await exited;
    }
    await hub?.close();
    for (const dir of [device, hubDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const call = async (method: string, path: string, body?: { json: unknown } | { yaml: string }) => {
    const headers: Record<string, string> = { authorization: `Bearer ${ADMIN}` };
    if (body) headers['content-type'] = 'json' in body ? 'application/json' : 'application/x-yaml';
    const res = await fetch(`${hub.url}/api/v1${path}`, {
      method,
      headers,
      body: body && ('json' in body ? JSON.stringify(body.json) : body.yaml),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  it('holds the entry, its worker modules, better-sqlite3’s addon and the licences, nothing else', () => {
    const files = readdirSync(BUNDLE);
    expect(files).toEqual(expect.arrayContaining(['tern-agent.mjs', 'better_sqlite3.node']));
    for (const file of files)
      expect(file).toMatch(/^(tern-agent\.mjs(\.LEGAL\.txt)?|[\w-]+-worker\.mjs|better_sqlite3\.node)$/);
  });

  it('connects to a hub with plain node and runs the flow it is given', async () => {
    const registered = await call('POST', '/agents', { json: { id: AGENT, labels: {} } });
    expect(registered.status).toBe(201);
    const flow = `id: greet
namespace: device
runsOn: {agents: [${AGENT}]}
tasks:
  - id: say
    type: log
    message: "jq {{ {'n': 41} | jq('.n + 1') | first }} on {{ '2026-12-06T10:00:00Z' | date('EEEE d MMMM yyyy', timeZone='UTC') }}"
`;
    expect((await call('POST', '/flows', { yaml: flow })).status).toBe(201);
    agent = spawn(
      process.execPath,
      [
        'tern-agent.mjs',
        'agent',
        `--hub=mqtt://127.0.0.1:${hub.mqttPort}`,
        `--id=${AGENT}`,
        `--data-dir=${join(device, 'state')}`,
      ],
      {
        cwd: device,
        // Nothing from the test runner: no loaders, no NODE_PATH.
        env: {
          PATH: process.env.PATH ?? '',
          TERN_AGENT_TOKEN: registered.body.token,
          TERN_LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    agent.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    await eventually(async () => {
      const { body } = await call('GET', `/agents/${AGENT}`);
      expect(body.status?.applied?.flows?.length, stderr).toBe(1);
    }, 60_000);
    const started = await call('POST', `/executions/device/greet?agent=${AGENT}`);
    expect(started.status).toBe(202);
    const id = started.body.executionIds[0] as string;
    await eventually(
      async () => expect((await call('GET', `/executions/${id}`)).body.state, stderr).toBe('SUCCESS'),
      60_000,
    );
    const logs = await call('GET', `/executions/${id}/logs`);
    expect(JSON.stringify(logs.body)).toContain('jq 42 on Sunday 6 December 2026');
  }, 120_000);
});
