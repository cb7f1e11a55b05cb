/** A device run by the real launcher (deploy/agent/tern-agent-launcher), restarted after every exit as systemd does. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/cli.js';
import { buildBundle, DeviceHub } from './device-hub.js';

export const LAUNCHER = join(ROOT, 'deploy', 'agent', 'tern-agent-launcher');
/** systemd's RestartSec=, shortened. */
const RESTART_SEC_MS = 200;

/** Starts the launcher again each time it exits, as systemd does for a unit with `Restart=always`. */
export class RestartAlways {
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
    this.stopped = false;
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

  /** Stops it, as `systemctl stop` does: SIGTERM, and no restart until {@link start}. */
  async stop(): Promise<void> {
    this.stopped = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

/** A build that fails at start: the bundle in `bundleDir` gets a first line that exits when run as an agent. */
export function breakAtStart(bundleDir: string, archive: string): void {
  const entry = join(bundleDir, 'tern-agent.mjs');
  // After the `#!` line, which has to stay first.
  const [shebang, ...rest] = readFileSync(entry, 'utf8').split('\n');
  const exit =
    "if (process.argv[2] === 'agent') { console.error('broken build: exits at start'); process.exit(3); }";
  writeFileSync(entry, [shebang, exit, ...rest].join('\n'));
  execFileSync('tar', ['-czf', archive, '-C', bundleDir, '.']);
}

/** A first install in `install`: `archive` unpacked under `versions/<version>/`, `current` pointing at it. */
export function installFirst(install: string, version: string, archive: string): void {
  mkdirSync(join(install, 'versions', version), { recursive: true });
  execFileSync('tar', ['-xzf', archive, '-C', join(install, 'versions', version)]);
  symlinkSync(join('versions', version), join(install, 'current'));
}

export type Builds = Record<string, Awaited<ReturnType<typeof buildBundle>>>;

/** Builds 1.0.0, 2.0.0 and 3.0.0-broken (which exits at start), and starts a hub holding the three. */
export async function hubWithThreeVersions(): Promise<{ hub: DeviceHub; builds: Builds }> {
  const builds: Builds = {};
  for (const version of ['1.0.0', '2.0.0', '3.0.0-broken']) builds[version] = await buildBundle(version);
  breakAtStart(builds['3.0.0-broken']!.dir, builds['3.0.0-broken']!.archive!);
  const hub = await DeviceHub.start();
  for (const [version, build] of Object.entries(builds))
    await hub.uploadAgentVersion(version, readFileSync(build.archive!));
  return { hub, builds };
}

/** The launcher running agent `id` from `install`, its state in `dataDir`, connected to `hub` (not started yet). */
export function launcherFor(
  hub: DeviceHub,
  id: string,
  paths: { install: string; dataDir: string },
  token: string,
): RestartAlways {
  return new RestartAlways(
    [
      paths.install,
      process.execPath,
      'agent',
      `--hub=${hub.mqttUrl}`,
      `--id=${id}`,
      `--data-dir=${paths.dataDir}`,
      `--hub-api=${hub.hub.url}`,
      '--update-confirm-within=PT90S',
    ],
    { PATH: process.env.PATH ?? '', TERN_AGENT_TOKEN: token, TERN_LOG_LEVEL: 'info' },
  );
}
