/** `tern start` (what `npm start` runs), as a real process: what it binds to, and how it says a port is taken. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { ROOT, TERN, tern } from '../support/cli.js';

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    // What these tests check is done once it runs; how it stops is not theirs to wait for.
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Starts `tern start` on free ports and resolves with its printed URL once it is running. */
async function start(args: string[] = []): Promise<{ child: ChildProcess; url: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tern-start-'));
  dirs.push(dir);
  const child = spawn(
    process.execPath,
    [TERN, 'start', '--port', '0', '--mqtt-port', '0', '--data-dir', join(dir, 'hub'), ...args],
    { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const read = (d: Buffer) => {
      out += d.toString();
      const m = /Tern is running at (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => reject(new Error(`tern start exited with ${code}: ${out}`)));
  });
  return { child, url };
}

/** The local addresses a process listens on over TCP, read from /proc: `127.0.0.1:8080`, `0.0.0.0:1883`, `[::]:80`. */
function listeningAddresses(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1]) inodes.add(m[1]);
    } catch {
      // closed while we read
    }
  }
  const found: string[] = [];
  for (const [file, v6] of [
    ['/proc/net/tcp', false],
    ['/proc/net/tcp6', true],
  ] as const) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const [local, state, inode] = [cols[1], cols[3], cols[9]];
      if (!local || state !== '0A' || !inode || !inodes.has(inode)) continue;
      const [hex, port] = local.split(':') as [string, string];
      const address = v6
        ? hex === '0'.repeat(32)
          ? '[::]'
          : hex === '00000000000000000000000001000000'
            ? '[::1]'
            : `[${hex}]`
        : (hex.match(/../g) ?? [])
            .reverse()
            .map((b) => Number.parseInt(b, 16))
            .join('.');
      found.push(`${address}:${Number.parseInt(port, 16)}`);
    }
  }
  return found;
}

it('listens on loopback only, as it prints, unless told otherwise with --host', async () => {
  const { child, url } = await start();
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const bound = listeningAddresses(child.pid!);
  expect(bound.length).toBeGreaterThanOrEqual(2); // HTTP and MQTT, and the local agent's broker
  for (const address of bound) expect(address).toMatch(/^(127\.0\.0\.1|\[::1\]):\d+$/);
  const health = await fetch(`${url}/api/v1/healthz`);
  expect(health.status).toBe(200);
});

it('listens on every interface with --host 0.0.0.0', async () => {
  const { child, url } = await start(['--host', '0.0.0.0']);
  const port = new URL(url).port;
  expect(listeningAddresses(child.pid!)).toContain(`0.0.0.0:${port}`);
});

/** A port held by another listener on loopback, as a first `tern start` holds its own. */
async function takenPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

it.each([
  ['HTTP', '--port', ['--mqtt-port', '0']],
  ['MQTT', '--mqtt-port', ['--port', '0']],
])(
  'says in one line that its %s port is taken, and which option changes it',
  async (what, option, others) => {
    const { port, server } = await takenPort();
    try {
      const dir = mkdtempSync(join(tmpdir(), 'tern-start-'));
      dirs.push(dir);
      const r = await tern(['start', option, String(port), ...others, '--data-dir', join(dir, 'hub')]);
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toEqual([
        `tern: the ${what} port ${port} on 127.0.0.1 is already in use (is another hub running?): choose another with ${option}`,
      ]);
    } finally {
      server.close();
    }
  },
);
