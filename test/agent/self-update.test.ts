/**
 * An agent updating itself, end to end: three builds of the device bundle (1.0.0, 2.0.0, and 3.0.0-broken,
 * which exits as soon as it starts as an agent), a real hub with its MQTT broker, and the real launcher
 * script (deploy/agent/tern-agent-launcher) in a temporary install folder, run again after every exit by
 * {@link RestartAlways}, the stand-in for systemd's `Restart=always`.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';
import { buildBundle, DeviceHub, GREETING } from './device-hub.js';
import { eventually } from './harness.js';

const AGENT = 'update-gw';
const LAUNCHER = join(ROOT, 'deploy', 'agent', 'tern-agent-launcher');
/** systemd's RestartSec=, shortened. */
const RESTART_SEC_MS = 200;

/** Starts the launcher again each time it exits, as systemd does for a unit with `Restart=always`. */
class RestartAlways {
  /** Exit codes, in order. */
  readonly exits: (number | null)[] = [];
  output = '';
  private child: ChildProcess | undefined;
  private stopped = false;

  constructor(
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  start(): void {
    const child = spawn('sh', [LAUNCHER, ...this.args], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (d: Buffer) => {
      this.output = (this.output + d.toString()).slice(-200_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('exit', (code) => {
      this.exits.push(code);
      if (!this.stopped) setTimeout(() => this.start(), RESTART_SEC_MS);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

/** A build that fails at start: the 3.0.0-broken bundle with a first line that exits when run as an agent. */
function breakAtStart(bundleDir: string, archive: string): void {
  const entry = join(bundleDir, 'tern-agent.mjs');
  // After the `#!` line, which has to stay first.
  const [shebang, ...rest] = readFileSync(entry, 'utf8').split('\n');
  const exit =
    "if (process.argv[2] === 'agent') { console.error('broken build: exits at start'); process.exit(3); }";
  writeFileSync(entry, [shebang, exit, ...rest].join('\n'));
  execFileSync('tar', ['-czf', archive, '-C', bundleDir, '.']);
}

describe('an agent updating itself', () => {
  const builds: Record<string, Awaited<ReturnType<typeof buildBundle>>> = {};
  let hub: DeviceHub;
  let device: string;
  let install: string;
  let systemd: RestartAlways;

  // biome-ignore lint/suspicious/noExplicitAny: the agent as the API answers it; the assertions check it.
  const agentRow = (): Promise<any> => hub.call('GET', `/agents/${AGENT}`);
  const current = () => readlinkSync(join(install, 'current'));
  const diagnostics = () => `exits ${JSON.stringify(systemd.exits)}\n${systemd.output.slice(-6000)}`;
  const setVersion = (version: string) => hub.call('PUT', `/agents/${AGENT}/version`, { json: { version } });

  beforeAll(async () => {
    for (const version of ['1.0.0', '2.0.0', '3.0.0-broken']) builds[version] = await buildBundle(version);
    breakAtStart(builds['3.0.0-broken']!.dir, builds['3.0.0-broken']!.archive!);
    hub = await DeviceHub.start();
    for (const [version, build] of Object.entries(builds))
      await hub.uploadAgentVersion(version, readFileSync(build.archive!));
    // A first install: version 1.0.0 unpacked under versions/, `current` pointing at it.
    device = mkdtempSync(join(tmpdir(), 'tern-self-update-'));
    install = join(device, 'install');
    mkdirSync(join(install, 'versions', '1.0.0'), { recursive: true });
    execFileSync('tar', ['-xzf', builds['1.0.0']!.archive!, '-C', join(install, 'versions', '1.0.0')]);
    symlinkSync(join('versions', '1.0.0'), join(install, 'current'));
    const token = await hub.registerWithFlow(AGENT);
    systemd = new RestartAlways(
      [
        install,
        process.execPath,
        'agent',
        `--hub=${hub.mqttUrl}`,
        `--id=${AGENT}`,
        `--data-dir=${join(device, 'state')}`,
        `--hub-api=${hub.hub.url}`,
        '--update-confirm-within=PT90S',
      ],
      { PATH: process.env.PATH ?? '', TERN_AGENT_TOKEN: token, TERN_LOG_LEVEL: 'info' },
    );
    systemd.start();
  }, 300_000);

  afterAll(async () => {
    await systemd?.stop();
    await hub?.close();
    if (device) rmSync(device, { recursive: true, force: true });
    for (const build of Object.values(builds)) build.remove();
  });

  it('runs its first version from the launcher', async () => {
    expect(await hub.runFlow(AGENT, diagnostics)).toContain(GREETING);
    expect((await agentRow()).version).toBe('1.0.0');
  }, 180_000);

  it('swaps a new version in, restarts into it, and the new version confirms', async () => {
    await setVersion('2.0.0');
    await eventually(async () => {
      const row = await agentRow();
      expect(row.online && row.version, diagnostics()).toBe('2.0.0');
      expect(row.status.update, diagnostics()).toMatchObject({ version: '2.0.0', state: 'confirmed' });
    }, 180_000);
    expect(current()).toBe(join('versions', '2.0.0'));
    expect(() => readFileSync(join(install, 'pending'))).toThrow();
    expect(systemd.exits).toEqual([0]);
    // The previous version stays on the device.
    expect(readFileSync(join(install, 'versions', '1.0.0', 'tern-agent.mjs')).length).toBeGreaterThan(0);
    expect(await hub.runFlow(AGENT, diagnostics)).toContain(GREETING);
  }, 240_000);

  it('restores the previous version when the new one exits at every start', async () => {
    await setVersion('3.0.0-broken');
    await eventually(async () => {
      const row = await agentRow();
      expect(row.online && row.version, diagnostics()).toBe('2.0.0');
      expect(row.status.update, diagnostics()).toMatchObject({
        version: '3.0.0-broken',
        state: 'rolled_back',
      });
    }, 180_000);
    expect((await agentRow()).status.update.reason).toBe('started 3 times without connecting and syncing');
    // The swap out of 2.0.0, then the broken build's three starts; then 2.0.0 again, still running.
    expect(systemd.exits).toEqual([0, 0, 3, 3, 3]);
    expect(current()).toBe(join('versions', '2.0.0'));
    expect(readFileSync(join(install, 'failed'), 'utf8')).toBe('3.0.0-broken\n');
    expect(systemd.output).toContain('tern-agent-launcher: version 3.0.0-broken started 3 times');
    expect(await hub.runFlow(AGENT, diagnostics)).toContain(GREETING);
  }, 240_000);

  it('goes back to an earlier version when asked, as a rollback does', async () => {
    await setVersion('1.0.0');
    await eventually(async () => {
      const row = await agentRow();
      expect(row.online && row.version, diagnostics()).toBe('1.0.0');
      expect(row.status.update, diagnostics()).toMatchObject({ version: '1.0.0', state: 'confirmed' });
    }, 180_000);
    expect(current()).toBe(join('versions', '1.0.0'));
  }, 240_000);
});
