/** Script tasks with `taskRunner: {type: docker}` against the real container engine at DOCKER_HOST. */
import { readFileSync } from 'node:fs';
import Docker from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import { describeWithService } from '../../test/support/services.js';
import { failure, type TestContext, testContext, waitFor } from '../../test/support/task-context.js';
import shell from '../shell/commands.js';
import scriptShell from './shell.js';

type ShellProps = Parameters<typeof shell.run>[0];

const DOCKER = { type: 'docker', pullPolicy: 'NEVER' } as const;

const printed = (ctx: TestContext) => ctx.lines.filter((l) => l.level === 'INFO').map((l) => l.message);

const fileOutput = (ctx: TestContext, outputs: Record<string, unknown> | undefined, name: string) =>
  readFileSync(
    ctx.storage.localPath(((outputs?.outputFiles ?? {}) as Record<string, string>)[name] ?? ''),
    'utf8',
  );

describeWithService('DOCKER_HOST', 'docker task runner', () => {
  const docker = new Docker();
  const contexts: TestContext[] = [];
  const context = () => {
    const ctx = testContext({
      taskRun: {
        id: `run-${Math.random().toString(36).slice(2)}`,
        taskId: 'task',
        type: 'shell',
        attempt: 1,
        value: null,
        iteration: null,
      },
    });
    contexts.push(ctx);
    return ctx;
  };
  const inContainer = (props: ShellProps, ctx = context()) =>
    shell.run({ containerImage: 'tern/shell:latest', taskRunner: DOCKER, ...props }, ctx);

  afterEach(async () => {
    for (const ctx of contexts.splice(0)) {
      const label = `io.tern.task-run=${ctx.taskRun.id}`;
      expect(await docker.listContainers({ all: true, filters: { label: [label] } })).toEqual([]);
    }
  });

  it('runs the commands in a container of containerImage, the shell being its first process', async () => {
    const ctx = context();
    const result = await inContainer(
      { commands: ['echo "pid $$"', 'echo \'::{"outputs": {"ok": true}}::\''] },
      ctx,
    );
    expect(printed(ctx)).toEqual(['pid 1']);
    expect(result?.outputs).toEqual({ exitCode: 0, vars: { ok: true } });
  });

  it('gives the container the task’s env and none of the agent’s', async () => {
    const ctx = context();
    process.env.TERN_AGENT_ONLY = 'agent value';
    try {
      await inContainer(
        { env: { LEVEL: 3 }, commands: ['echo "$LEVEL"', 'printenv TERN_AGENT_ONLY || echo unset'] },
        ctx,
      );
    } finally {
      delete process.env.TERN_AGENT_ONLY;
    }
    expect(printed(ctx)).toEqual(['3', 'unset']);
  });

  it('mounts the working directory: input and output files and $OUTPUT_DIR work as with a process', async () => {
    const ctx = context();
    const result = await inContainer(
      {
        inputFiles: { 'names.txt': 'ada\ngrace\n' },
        outputFiles: ['count.txt'],
        commands: [
          'test "$PWD" = "$WORKING_DIR"',
          'wc -l < names.txt > count.txt',
          'echo done > "$OUTPUT_DIR/status"',
        ],
      },
      ctx,
    );
    expect(Object.keys(result?.outputs?.outputFiles as object).sort()).toEqual(['count.txt', 'status']);
    expect(fileOutput(ctx, result?.outputs, 'count.txt').trim()).toBe('2');
  });

  it('compiles and runs a C program in a gcc image', async () => {
    const ctx = context();
    const result = await scriptShell.run(
      {
        containerImage: 'tern/gcc:latest',
        taskRunner: { type: 'io.kestra.plugin.scripts.runner.docker.Docker', pullPolicy: 'IF_NOT_PRESENT' },
        inputFiles: {
          'hello.c': '#include <stdio.h>\nint main(void) { printf("%d\\n", 6 * 7); return 0; }\n',
        },
        script: 'gcc -o hello hello.c\n./hello\n',
      },
      ctx,
    );
    expect(result?.outputs?.exitCode).toBe(0);
    expect(printed(ctx)).toEqual(['42']);
  });

  it('applies the runner’s options: user and limits', async () => {
    const ctx = context();
    await inContainer(
      {
        taskRunner: { ...DOCKER, user: '4321', memory: { memory: '32MB' } },
        commands: [
          'id -u',
          'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes',
        ],
      },
      ctx,
    );
    expect(printed(ctx)).toEqual(['4321', String(32 * 1024 * 1024)]);
  });

  it('fails with the exit code like the process runner', async () => {
    const err = await failure(inContainer({ commands: ['exit 4'] }));
    expect(err.message).toBe('command exited with code 4');
    expect(err.details).toEqual({ outputs: { exitCode: 4, vars: {} } });
  });

  it('kills the container on abort and fails with the reason', async () => {
    const ctx = context();
    const running = inContainer({ commands: ['echo started', 'sleep 300'] }, ctx);
    await waitFor(() => printed(ctx).includes('started'), 'the container to start', 20_000);
    ctx.controller.abort(new Error('killed by request'));
    expect((await failure(running)).message).toBe('killed by request');
  });

  it('fails without retry when no image is named', async () => {
    const err = await failure(shell.run({ taskRunner: DOCKER, commands: ['true'] }, context()));
    expect(err.message).toBe('the docker task runner needs `containerImage`');
    expect(err.retryable).toBe(false);
  });
});

describe('script task runners', () => {
  it('refuses an unknown runner type without retry', async () => {
    const props = { taskRunner: { type: 'kubernetes' }, commands: ['true'] } as unknown as ShellProps;
    const err = await failure(shell.run(props, testContext()));
    expect(err.message).toBe("unknown task runner 'kubernetes'; use 'process' or 'docker'");
    expect(err.retryable).toBe(false);
  });
});
