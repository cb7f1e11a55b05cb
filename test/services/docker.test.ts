/**
 * Smoke test of the container engine (DOCKER_HOST: Podman's Docker API) through dockerode, the way
 * Tern's container tasks run a command: create, start, wait, read the logs, remove. The images are
 * the local ones deploy/dev/services.sh builds from Debian packages.
 */
import Docker from 'dockerode';
import { afterEach, expect, it } from 'vitest';
import { describeWithService } from '../support/services.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** `unix:///path/to.sock` or `tcp://host:port`, as the Docker CLI reads DOCKER_HOST. */
function engine(address: string): Docker {
  const url = new URL(address);
  if (url.protocol === 'unix:') return new Docker({ socketPath: url.pathname });
  return new Docker({ host: url.hostname, port: Number(url.port) });
}

/** Splits a non-TTY log stream: frames of an 8-byte header (stream id, 0, 0, 0, size) and a payload. */
function demux(buffer: Buffer): { stdout: string; stderr: string } {
  const out: Record<number, Buffer[]> = { 1: [], 2: [] };
  for (let at = 0; at + 8 <= buffer.length; ) {
    const size = buffer.readUInt32BE(at + 4);
    out[buffer[at] ?? 1]?.push(buffer.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return { stdout: Buffer.concat(out[1] ?? []).toString(), stderr: Buffer.concat(out[2] ?? []).toString() };
}

const isNotFound = (error: unknown) => (error as { statusCode?: number }).statusCode === 404;

describeWithService('DOCKER_HOST', 'container engine service', (address) => {
  const docker = engine(address);

  /** Runs a command to completion without network, returning its exit code and output. */
  async function run(image: string, cmd: string[], env: string[] = []) {
    const container = await docker.createContainer({
      Image: image,
      Cmd: cmd,
      Env: env,
      HostConfig: { NetworkMode: 'none' },
    });
    closers.push(() =>
      container.remove({ force: true }).catch((error) => {
        if (!isNotFound(error)) throw error;
      }),
    );
    await container.start();
    const { StatusCode } = await container.wait();
    const output = demux(await container.logs({ stdout: true, stderr: true, follow: false }));
    await container.remove();
    return { container, status: StatusCode, ...output };
  }

  it('compiles and runs a C program in tern/gcc, then removes the container', async () => {
    const source = '#include <stdio.h>\nint main(void) { printf("hello from %s\\n", "tern"); return 0; }\n';
    const result = await run(
      'tern/gcc:latest',
      ['sh', '-c', 'printf "%s" "$SOURCE" > /tmp/hello.c && gcc -o /tmp/hello /tmp/hello.c && /tmp/hello'],
      [`SOURCE=${source}`],
    );
    expect(result).toMatchObject({ status: 0, stdout: 'hello from tern\n', stderr: '' });
    const gone = await result.container.inspect().then(
      () => false,
      (error) => isNotFound(error),
    );
    expect(gone).toBe(true);
  });

  it('reports the exit code and keeps stderr apart from stdout', async () => {
    const result = await run('tern/shell:latest', ['sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(result).toMatchObject({ status: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('gives a container in network mode none only the loopback interface', async () => {
    const result = await run('tern/shell:latest', ['ls', '/sys/class/net']);
    expect(result).toMatchObject({ status: 0, stdout: 'lo\n' });
  });
});
