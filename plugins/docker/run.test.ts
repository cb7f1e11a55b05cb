/** `docker.run` against the real container engine at DOCKER_HOST (Podman here) and its local tern/* images. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import { engineFixture } from '../../test/support/engine.js';
import { describeWithService } from '../../test/support/services.js';
import { failure, type TestContext, testContext, waitFor } from '../../test/support/task-context.js';
import run from './run.js';

type Props = Parameters<typeof run.run>[0];

const SHELL = 'tern/shell:latest';

const logged = (ctx: TestContext) => ctx.lines.map((l) => `${l.level} ${l.message}`);
/** What the container printed on stdout. */
const printed = (ctx: TestContext) => ctx.lines.filter((l) => l.level === 'INFO').map((l) => l.message);

describeWithService('DOCKER_HOST', 'docker.run', () => {
  const docker = new Docker();
  const contexts: TestContext[] = [];
  const context = () => {
    const ctx = testContext({
      taskRun: {
        id: `run-${Math.random().toString(36).slice(2)}`,
        taskId: 'task',
        type: 'docker.run',
        attempt: 1,
        value: null,
        iteration: null,
      },
    });
    contexts.push(ctx);
    return ctx;
  };
  const start = (props: Omit<Props, 'containerImage'> & { containerImage?: string }, ctx = context()) =>
    run.run({ containerImage: SHELL, pullPolicy: 'NEVER', ...props }, ctx);
  /** Containers, running or not, that a task run left behind. */
  const leftBy = (ctx: TestContext) =>
    docker.listContainers({ all: true, filters: { label: [`io.tern.task-run=${ctx.taskRun.id}`] } });

  afterEach(async () => {
    for (const ctx of contexts.splice(0)) expect(await leftBy(ctx)).toEqual([]);
  });

  it('streams stdout at INFO and stderr at ERROR, and returns exit code 0', async () => {
    const ctx = context();
    const result = await start({ commands: ['sh', '-c', 'echo one; echo two >&2; echo three'] }, ctx);
    expect(result?.outputs).toEqual({ exitCode: 0, vars: {} });
    expect(logged(ctx)).toEqual(expect.arrayContaining(['INFO one', 'ERROR two', 'INFO three']));
  });

  it('sets vars from ::{"outputs"}:: lines', async () => {
    const result = await start({
      commands: ['sh', '-c', 'echo \'::{"outputs": {"answer": 42, "name": "tern"}}::\''],
    });
    expect(result?.outputs?.vars).toEqual({ answer: 42, name: 'tern' });
  });

  it('fails with a retryable error carrying the exit code when the container exits non-zero', async () => {
    const err = await failure(
      start({ commands: ['sh', '-c', 'echo "::{\\"outputs\\": {\\"n\\": 1}}::"; exit 3'] }),
    );
    expect(err.message).toBe('container exited with code 3');
    expect(err.retryable).toBe(true);
    expect(err.details).toEqual({ outputs: { exitCode: 3, vars: { n: 1 } } });
  });

  it('mounts the working directory as the container’s: input files in, output files out', async () => {
    const ctx = context();
    const result = await start(
      {
        inputFiles: { 'in/names.txt': 'ada\ngrace\n' },
        outputFiles: ['count.txt'],
        commands: ['sh', '-c', 'test "$PWD" = "$WORKING_DIR" && wc -l < in/names.txt > count.txt'],
      },
      ctx,
    );
    const files = (result?.outputs?.outputFiles ?? {}) as Record<string, string>;
    const uri = files['count.txt'] ?? '';
    expect(readFileSync(ctx.storage.localPath(uri), 'utf8').trim()).toBe('2');
  });

  it('passes env, user and entryPoint to the container', async () => {
    const ctx = context();
    await start(
      {
        env: { GREETING: 'hello', COUNT: 3 },
        user: '1234:1234',
        entryPoint: ['/bin/sh', '-c'],
        commands: ['echo "$GREETING $COUNT $(id -u):$(id -g)"'],
      },
      ctx,
    );
    expect(logged(ctx)).toContain('INFO hello 3 1234:1234');
  });

  it('applies the memory and CPU limits', async () => {
    const ctx = context();
    // cgroup v1 or v2, whichever the engine uses.
    const script = [
      'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes',
      'cat /sys/fs/cgroup/cpu.max 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us',
    ].join('; ');
    await start({ memory: '64MB', cpu: { cpus: 0.5 }, commands: ['sh', '-c', script] }, ctx);
    const [memory, cpu] = printed(ctx);
    expect(memory).toBe(String(64 * 1024 * 1024));
    expect(cpu?.split(' ')[0]).toBe('50000');
  });

  it("isolates the container with networkMode 'none' (loopback only)", async () => {
    const ctx = context();
    await start({ networkMode: 'none', commands: ['ls', '/sys/class/net'] }, ctx);
    expect(printed(ctx)).toEqual(['lo']);
  });

  it('mounts extra volumes', async () => {
    const ctx = context();
    const host = mkdtempSync(join(tmpdir(), 'tern-volume-'));
    writeFileSync(join(host, 'config.txt'), 'from the host');
    await start({ volumes: [`${host}:/config:ro`], commands: ['cat', '/config/config.txt'] }, ctx);
    expect(logged(ctx)).toContain('INFO from the host');
  });

  it('kills the container when the task is aborted, fails with the reason, and removes it', async () => {
    const ctx = context();
    const running = start({ commands: ['sh', '-c', 'echo started; sleep 300'] }, ctx);
    await waitFor(() => logged(ctx).includes('INFO started'), 'the container to start', 20_000);
    ctx.controller.abort(new Error('task timed out after PT1S'));
    const err = await failure(running);
    expect(err.message).toBe('task timed out after PT1S');
  });

  it('fails the task run on its timeout, leaving no container behind', async () => {
    const fixture = engineFixture();
    try {
      const done = await fixture.run(
        [
          'id: slow',
          'namespace: test',
          'tasks:',
          '  - id: sleep',
          '    type: docker.run',
          `    containerImage: ${SHELL}`,
          '    pullPolicy: NEVER',
          '    timeout: PT1S',
          '    commands: [sleep, "300"]',
        ].join('\n'),
      );
      expect(done.run('sleep').state).toBe('FAILED');
      expect(done.messages('sleep')).toContain('task timed out after PT1S');
      const label = `io.tern.execution=${done.execution.id}`;
      expect(await docker.listContainers({ all: true, filters: { label: [label] } })).toEqual([]);
    } finally {
      await fixture.close();
    }
  });

  it('with pullPolicy IF_NOT_PRESENT, runs a local image without pulling it', async () => {
    // No registry is reachable here: a pull would fail the task.
    const ctx = context();
    const result = await start({ pullPolicy: 'IF_NOT_PRESENT', commands: ['true'] }, ctx);
    expect(result?.outputs?.exitCode).toBe(0);
    expect(logged(ctx).some((l) => l.includes('pulling'))).toBe(false);
  });

  it('with pullPolicy NEVER, fails without retry when the image is missing', async () => {
    const err = await failure(start({ containerImage: 'tern/absent:never', commands: ['true'] }));
    expect(err.message).toBe("image 'tern/absent:never' is not present and pullPolicy is NEVER");
    expect(err.retryable).toBe(false);
  });

  it('fails without retry on a memory limit that is not a size', async () => {
    const err = await failure(start({ memory: 'lots', commands: ['true'] }));
    expect(err.message).toBe("memory: 'lots' is not a size (e.g. 512MB, 1g or a number of bytes)");
    expect(err.retryable).toBe(false);
  });
});

describe('docker.run without a container engine', () => {
  it('fails with a retryable error naming the address it tried', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/tern-docker.sock';
    try {
      const err = await failure(run.run({ containerImage: SHELL, commands: ['true'] }, testContext()));
      expect(err.message).toMatch(
        /^cannot reach the container engine at \/nonexistent\/tern-docker\.sock \(ENOENT\)/,
      );
      expect(err.retryable).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });
});
