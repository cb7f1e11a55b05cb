/**
 * The device bundle (`npm run build:agent`): built, copied with nothing else to a folder with no
 * node_modules anywhere above it, and run by plain `node` against a real hub, where it runs a flow
 * that needs its lazily loaded parts (jq's WebAssembly, java.time's port) and its worker threads.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, DeviceHub, GREETING } from './device-hub.js';

const AGENT = 'bundle-gw';

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
  let bundle: Awaited<ReturnType<typeof buildBundle>>;
  let device: string;
  let hub: DeviceHub;
  let agent: ChildProcess | undefined;

  beforeAll(async () => {
    bundle = await buildBundle();
    device = isolatedDir();
    for (const file of readdirSync(bundle.dir)) copyFileSync(join(bundle.dir, file), join(device, file));
    hub = await DeviceHub.start();
  }, 180_000);

  afterAll(async () => {
    if (agent && agent.exitCode === null) {
      const exited = new Promise((resolve) => agent!.once('exit', resolve));
      agent.kill('SIGTERM');
      await exited;
    }
    await hub?.close();
    if (device) rmSync(device, { recursive: true, force: true });
    bundle?.remove();
  });

  it('holds the entry, its worker modules, better-sqlite3’s addon and the licences, nothing else', () => {
    const files = readdirSync(bundle.dir);
    expect(files).toEqual(expect.arrayContaining(['tern-agent.mjs', 'better_sqlite3.node']));
    for (const file of files)
      expect(file).toMatch(/^(tern-agent\.mjs(\.LEGAL\.txt)?|[\w-]+-worker\.mjs|better_sqlite3\.node)$/);
  });

  it('connects to a hub with plain node and runs the flow it is given', async () => {
    const token = await hub.registerWithFlow(AGENT);
    let stderr = '';
    agent = spawn(
      process.execPath,
      [
        'tern-agent.mjs',
        'agent',
        `--hub=${hub.mqttUrl}`,
        `--id=${AGENT}`,
        `--data-dir=${join(device, 'state')}`,
      ],
      {
        cwd: device,
        // Nothing from the test runner: no loaders, no NODE_PATH.
        env: { PATH: process.env.PATH ?? '', TERN_AGENT_TOKEN: token, TERN_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    agent.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    expect(await hub.runFlow(AGENT, () => stderr)).toContain(GREETING);
  }, 180_000);
});
