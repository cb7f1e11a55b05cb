/**
 * deploy/agent on a clean Debian root file system (the tern/shell image, built from Debian packages):
 * install.sh sets up the user, folders, settings and unit from the bundle, the agent runs the way the
 * unit's ExecStart runs it, and the Containerfile builds an image whose agent runs a flow. systemd
 * itself does not run in a container, so `systemd-analyze verify` checks the unit on this machine.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';
import { describeWithService } from '../support/services.js';
import { buildBundle, DeviceHub, GREETING } from './device-hub.js';

const run = promisify(execFile);
const DEPLOY = join(ROOT, 'deploy', 'agent');
const SHELL_IMAGE = 'localhost/tern/shell:latest';

/** Splits a non-TTY log stream: frames of an 8-byte header (stream id, 0, 0, 0, size) and a payload. */
function demux(buffer: Buffer): string {
  const out: Buffer[] = [];
  for (let at = 0; at + 8 <= buffer.length; ) {
    const size = buffer.readUInt32BE(at + 4);
    out.push(buffer.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(out).toString();
}

/** The installed unit with its placeholders filled as install.sh fills them, checked by systemd-analyze. */
it('systemd-analyze verify accepts the unit, with nothing to say', async (context) => {
  const analyze = await run('systemd-analyze', ['--version']).catch(() => undefined);
  if (!analyze) return context.skip('systemd-analyze is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'tern-unit-'));
  try {
    const unit = readFileSync(join(DEPLOY, 'tern-agent.service'), 'utf8')
      .replaceAll('@NODE@', process.execPath)
      .replaceAll('@PREFIX@', '/opt/tern-agent');
    writeFileSync(join(dir, 'tern-agent.service'), unit);
    // verify reports what it ignores on stderr and still exits 0: both must be clean.
    const { stdout, stderr } = await run('systemd-analyze', ['verify', join(dir, 'tern-agent.service')]);
    expect(`${stdout}${stderr}`).toBe('');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describeWithService('DOCKER_HOST', 'deploy/agent in a clean Debian root file system', (address) => {
  const docker = new Docker({ socketPath: new URL(address).pathname });
  const podman = (args: string[]) =>
    run('podman', ['--remote', '--url', address, ...args], { maxBuffer: 64 * 1024 * 1024 });
  let bundle: string;
  let hub: DeviceHub;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    const built = await buildBundle();
    cleanups.push(async () => built.remove());
    bundle = built.dir;
    hub = await DeviceHub.start();
  }, 180_000);

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await hub?.close();
  });

  it('install.sh creates the user, folders, settings and unit, and the agent runs as the unit runs it', async () => {
    const id = 'installed-gw';
    const token = await hub.registerWithFlow(id);
    const script = `set -e
/mnt/deploy/install.sh --bundle /mnt/bundle --hub "$HUB" --id "$ID" --token "$TOKEN" --node /usr/local/bin/node
echo "user: $(getent passwd tern-agent)"
echo "state: $(stat -c '%U:%G %a' /var/lib/tern-agent)"
echo "settings: $(stat -c '%U:%G %a' /etc/tern-agent/agent.env)"
echo "installed: $(ls /opt/tern-agent | tr '\\n' ' ')"
grep '^ExecStart=' /etc/systemd/system/tern-agent.service
# As systemd would: the environment file, ExecStart's command line, the unit's user and working directory.
set -a; . /etc/tern-agent/agent.env; set +a
cd /var/lib/tern-agent
eval "exec setpriv --reuid=tern-agent --regid=tern-agent --init-groups $(sed -n 's/^ExecStart=//p' /etc/systemd/system/tern-agent.service)"
`;
    const container = await docker.createContainer({
      Image: SHELL_IMAGE,
      Cmd: ['sh', '-c', script],
      Env: [`HUB=${hub.mqttUrl}`, `ID=${id}`, `TOKEN=${token}`],
      HostConfig: {
        NetworkMode: 'host',
        Binds: [
          `${bundle}:/mnt/bundle:ro`,
          `${DEPLOY}:/mnt/deploy:ro`,
          `${process.execPath}:/usr/local/bin/node:ro`,
        ],
      },
    });
    cleanups.push(() => container.remove({ force: true }));
    await container.start();
    const output = async () => demux(await container.logs({ stdout: true, stderr: true, follow: false }));
    let seen = '';
    expect(
      await hub.runFlow(id, () => {
        void output().then((text) => {
          seen = text;
        });
        return seen;
      }),
    ).toContain(GREETING);
    const printed = await output();
    expect(printed).toContain('tern-agent installed; systemd is not running here');
    expect(printed).toMatch(
      /^user: tern-agent:x:\d+:\d+:Tern agent:\/var\/lib\/tern-agent:\/usr\/sbin\/nologin$/m,
    );
    expect(printed).toContain('state: tern-agent:tern-agent 750');
    expect(printed).toContain('settings: root:tern-agent 640');
    expect(printed).toMatch(/^installed: better_sqlite3\.node .*tern-agent\.mjs/m);
    expect(printed).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: systemd's own ${VAR} syntax, expected verbatim.
      'ExecStart=/usr/local/bin/node /opt/tern-agent/tern-agent.mjs agent --hub=${TERN_HUB_URL} --id=${TERN_AGENT_ID} --data-dir=/var/lib/tern-agent $TERN_AGENT_FLAGS',
    );
    // The database is the agent's, written by the service's user.
    const exec = await container.exec({
      Cmd: ['stat', '-c', '%U', '/var/lib/tern-agent/tern.db'],
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({});
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(demux(Buffer.concat(chunks)).trim()).toBe('tern-agent');
  }, 300_000);

  it('the Containerfile builds an image whose agent runs a flow', async () => {
    const id = 'container-gw';
    const token = await hub.registerWithFlow(id);
    // No registry here: the public node base is replaced by tern/shell with this machine's Node.js.
    const context = mkdtempSync(join(tmpdir(), 'tern-image-'));
    cleanups.push(async () => rmSync(context, { recursive: true, force: true }));
    cpSync(process.execPath, join(context, 'node'));
    writeFileSync(join(context, 'Base'), `FROM ${SHELL_IMAGE}\nCOPY node /usr/local/bin/node\n`);
    await podman(['build', '-f', join(context, 'Base'), '-t', 'localhost/tern/node-base:test', context]);
    rmSync(join(context, 'node'));
    cpSync(bundle, join(context, 'dist', 'tern-agent'), { recursive: true });
    await podman([
      'build',
      '-f',
      join(DEPLOY, 'Containerfile'),
      '--build-arg',
      'BASE=localhost/tern/node-base:test',
      '-t',
      'localhost/tern/agent:test',
      context,
    ]);
    const name = `tern-agent-test-${process.pid}`;
    await podman([
      'run',
      '-d',
      '--name',
      name,
      '--network',
      'host',
      '-e',
      `TERN_AGENT_TOKEN=${token}`,
      'localhost/tern/agent:test',
      `--hub=${hub.mqttUrl}`,
      `--id=${id}`,
    ]);
    cleanups.push(() => podman(['rm', '-f', name]));
    let logs = '';
    const diagnostics = () => {
      void podman(['logs', name]).then((r) => {
        logs = r.stdout + r.stderr;
      });
      return logs;
    };
    expect(await hub.runFlow(id, diagnostics)).toContain(GREETING);
    const user = await podman(['exec', name, 'id', '-un']);
    expect(user.stdout.trim()).toBe('tern-agent');
  }, 600_000);
});
