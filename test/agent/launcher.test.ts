/**
 * deploy/agent/tern-agent-launcher run with `sh` on a temporary install folder holding two stand-in
 * versions (a tern-agent.mjs that prints its version and arguments): it counts the starts of a pending
 * update, and restores the previous version once the deadline passed or the starts ran out.
 */
import { execFile } from 'node:child_process';
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
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InstallDir } from '../../agent/update/install-dir.js';
import { ROOT } from '../support/cli.js';

const LAUNCHER = join(ROOT, 'deploy', 'agent', 'tern-agent-launcher');

describe('tern-agent-launcher', () => {
  let root: string;
  let dir: InstallDir;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tern-launcher-'));
    dir = new InstallDir(root);
    for (const version of ['1.0.0', '2.0.0']) {
      mkdirSync(dir.versionDir(version), { recursive: true });
      writeFileSync(
        join(dir.versionDir(version), 'tern-agent.mjs'),
        `console.log(${JSON.stringify(version)}, process.env.TERN_AGENT_INSTALL_DIR, process.argv.slice(2).join(' '));\n`,
      );
    }
    symlinkSync(join('versions', '2.0.0'), join(root, 'current'));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const launch = async () => {
    const { stdout, stderr } = await promisify(execFile)(
      'sh',
      [LAUNCHER, root, process.execPath, 'agent', '--id=gw'],
      {
        env: { PATH: process.env.PATH ?? '', TERN_AGENT_UPDATE_MAX_STARTS: '2' },
      },
    );
    return { stdout: stdout.trim(), stderr: stderr.trim() };
  };
  const inSeconds = (s: number) => Math.floor(Date.now() / 1000) + s;

  it('runs the current version with the install folder in its environment', async () => {
    expect((await launch()).stdout).toBe(`2.0.0 ${root} agent --id=gw`);
  });

  it('counts the starts of a pending update, then restores the previous version when they run out', async () => {
    dir.setPending({ version: '2.0.0', previous: '1.0.0', deadline: inSeconds(600) });
    expect((await launch()).stdout).toMatch(/^2\.0\.0 /);
    expect((await launch()).stdout).toMatch(/^2\.0\.0 /);
    expect(readFileSync(join(root, 'starts'), 'utf8')).toBe('2\n');
    const third = await launch();
    expect(third.stderr).toBe(
      'tern-agent-launcher: version 2.0.0 started 2 times without connecting and syncing: restoring 1.0.0',
    );
    expect(third.stdout).toMatch(/^1\.0\.0 /);
    expect(readlinkSync(join(root, 'current'))).toBe(join('versions', '1.0.0'));
    expect(dir.pending()).toBeUndefined();
    expect(dir.failed()).toEqual(new Set(['2.0.0']));
    expect(dir.lastUpdate()).toMatchObject({
      version: '2.0.0',
      state: 'rolled_back',
      reason: 'started 2 times without connecting and syncing',
    });
  });

  it('restores the previous version once the deadline passed, whatever the starts', async () => {
    dir.setPending({ version: '2.0.0', previous: '1.0.0', deadline: inSeconds(-1) });
    const run = await launch();
    expect(run.stdout).toMatch(/^1\.0\.0 /);
    expect(dir.lastUpdate()).toMatchObject({
      state: 'rolled_back',
      reason: 'not connected and in sync within its deadline',
    });
  });

  it('leaves a confirmed version alone', async () => {
    dir.setPending({ version: '2.0.0', previous: '1.0.0', deadline: inSeconds(600) });
    dir.clearPending();
    await launch();
    await launch();
    expect((await launch()).stdout).toMatch(/^2\.0\.0 /);
    expect(dir.failed()).toEqual(new Set());
  });
});
