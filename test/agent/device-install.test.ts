/**
 * deploy/agent on a clean Debian root file system (the tern/shell image, built from Debian packages):
 * install.sh sets up the user, folders, settings and unit from the bundle, the agent runs the way the
 * unit's ExecStart runs it, and the Containerfile builds an image whose agent runs a flow. systemd
 * itself does not run in a container, so `systemd-analyze verify` checks the unit on this machine.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** The installed unit with its placeholders filled as install.sh fills them (with the launcher, and without), checked by systemd-analyze. */
it('systemd-analyze verify accepts the unit, with the launcher and without, with nothing to say', async (context) => {
  const analyze = await run('systemd-analyze', ['--version']).catch(() => undefined);
  if (!analyze) return context.skip('systemd-analyze is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'tern-unit-'));
  try {
    // The launcher has to exist where ExecStart names it: a copy stands in for /opt/tern-agent.
    cpSync(join(DEPLOY, 'tern-agent-launcher'), join(dir, 'tern-agent-launcher'));
    const variants = {
      launcher: [`${dir}/tern-agent-launcher /var/lib/tern-agent/install ${process.execPath}`, 'always'],
      direct: [`${process.execPath} /opt/tern-agent/tern-agent.mjs`, 'on-failure'],
    };
    for (const [name, [runs, restart]] of Object.entries(variants)) {
      const unit = readFileSync(join(DEPLOY, 'tern-agent.service'), 'utf8')
        .replaceAll('@RUN@', runs!)
        .replaceAll('@RESTART@', restart!);
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'tern-agent.service'), unit);
      // verify reports what it ignores on stderr and still exits 0: both must be clean.
      const { stdout, stderr } = await run('systemd-analyze', [
        'verify',
        join(dir, name, 'tern-agent.service'),
      ]);
      expect(`${stdout}${stderr}`, name).toBe('');
    }
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

  it('install.sh creates the user, folders, settings and unit, and the agent runs through the launcher as the unit runs it', async () => {
    const id = 'installed-gw';
    const token = await hub.registerWithFlow(id);
    const script = `set -e
/mnt/deploy/install.sh --bundle /mnt/bundle --hub "$HUB" --id "$ID" --token "$TOKEN" --hub-api "$HUB_API" --node /usr/local/bin/node
echo "user: $(getent passwd tern-agent)"
echo "state: $(stat -c '%U:%G %a' /var/lib/tern-agent)"
echo "settings: $(stat -c '%U:%G %a' /etc/tern-agent/agent.env)"
echo "installed: $(ls /opt/tern-agent | tr '\\n' ' ')"
echo "current: $(readlink /var/lib/tern-agent/install/current) $(stat -c '%U' /var/lib/tern-agent/install/versions)"
echo "versions: $(ls /var/lib/tern-agent/install/versions/*/ | tr '\\n' ' ')"
grep '^TERN_HUB_API_URL=' /etc/tern-agent/agent.env
grep '^Restart=' /etc/systemd/system/tern-agent.service
grep '^ExecStart=' /etc/systemd/system/tern-agent.service
# As systemd would: the environment file, ExecStart's command line, the unit's user and working directory.
set -a; . /etc/tern-agent/agent.env; set +a
cd /var/lib/tern-agent
eval "exec setpriv --reuid=tern-agent --regid=tern-agent --init-groups $(sed -n 's/^ExecStart=//p' /etc/systemd/system/tern-agent.service)"
`;
    const container = await docker.createContainer({
      Image: SHELL_IMAGE,
      Cmd: ['sh', '-c', script],
      Env: [`HUB=${hub.mqttUrl}`, `ID=${id}`, `TOKEN=${token}`, `HUB_API=${hub.hub.url}`],
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
    // The launcher alone under /opt; the bundle is the install folder's current version, the agent's to replace.
    expect(printed).toMatch(/^installed: tern-agent-launcher $/m);
    const version = (
      await run(process.execPath, [join(bundle, 'tern-agent.mjs'), '--version'])
    ).stdout.trim();
    expect(printed).toContain(`current: versions/${version} tern-agent`);
    expect(printed).toMatch(/^versions: better_sqlite3\.node .*tern-agent\.mjs/m);
    expect(printed).toContain(`TERN_HUB_API_URL=${hub.hub.url}`);
    expect(printed).toContain('Restart=always');
    expect(printed).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: systemd's own ${VAR} syntax, expected verbatim.
      'ExecStart=/opt/tern-agent/tern-agent-launcher /var/lib/tern-agent/install /usr/local/bin/node agent --hub=${TERN_HUB_URL} --id=${TERN_AGENT_ID} --data-dir=/var/lib/tern-agent $TERN_AGENT_FLAGS',
    );
    // The hub sees the version it could update.
    expect((await hub.call('GET', `/agents/${id}`)).version).toBe(version);
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

  it('install.sh --no-updates runs the bundle from /opt directly, restarted only on failure', async () => {
    const script = `set -e
/mnt/deploy/install.sh --bundle /mnt/bundle --no-updates --no-start --node /usr/local/bin/node
echo "installed: $(ls /opt/tern-agent | tr '\\n' ' ')"
echo "install folder: $(ls /var/lib/tern-agent)"
grep -E '^(ExecStart|Restart)=' /etc/systemd/system/tern-agent.service
`;
    const container = await docker.createContainer({
      Image: SHELL_IMAGE,
      Cmd: ['sh', '-c', script],
      HostConfig: {
        Binds: [
          `${bundle}:/mnt/bundle:ro`,
          `${DEPLOY}:/mnt/deploy:ro`,
          `${process.execPath}:/usr/local/bin/node:ro`,
        ],
      },
    });
    cleanups.push(() => container.remove({ force: true }));
    await container.start();
    expect((await container.wait()).StatusCode).toBe(0);
    const printed = demux(await container.logs({ stdout: true, stderr: true, follow: false }));
    expect(printed).toMatch(/^installed: better_sqlite3\.node .*tern-agent\.mjs/m);
    expect(printed).not.toContain('tern-agent-launcher');
    expect(printed).toContain('install folder: \n');
    expect(printed).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: systemd's own ${VAR} syntax, expected verbatim.
      'ExecStart=/usr/local/bin/node /opt/tern-agent/tern-agent.mjs agent --hub=${TERN_HUB_URL} --id=${TERN_AGENT_ID} --data-dir=/var/lib/tern-agent $TERN_AGENT_FLAGS',
    );
    expect(printed).toContain('Restart=on-failure');
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
