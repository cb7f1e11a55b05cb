/**
 * Runs one container to its end, the way a task needs it: output streamed by
 * line, killed when the task is aborted, removed afterwards whatever happened.
 */
import type Docker from 'dockerode';
import type { TaskLogger } from '../../protocol/plugin.js';
import { engineFailure, isNotFound } from './engine.js';
import { ensureImage } from './image.js';
import type { ContainerLimits, PullPolicy } from './options.js';
import { streamLogs, waitForExit } from './watch.js';

/** Everything needed to create and run one container. */
export interface ContainerSpec extends ContainerLimits {
  image: string;
  pullPolicy: PullPolicy;
  /** The command (Docker's Cmd); the image's own when undefined. */
  cmd?: readonly string[];
  /** Docker's Entrypoint; `['']` resets the image's entrypoint, undefined keeps it. */
  entrypoint?: readonly string[];
  env: Readonly<Record<string, string>>;
  /** Host directory mounted at the same path and used as the container's working directory. */
  workingDir?: string;
  /** Further mounts, `source:target[:options]`. */
  binds?: readonly string[];
  user?: string;
  networkMode?: string;
  labels?: Readonly<Record<string, string>>;
}

/** How a run is watched: its abort signal, the task's logger, and where output lines go. */
export interface ContainerRun {
  signal: AbortSignal;
  logger: TaskLogger;
  /** Called for every complete line the container prints. */
  onLine(stream: 'stdout' | 'stderr', line: string): void;
}

/** Labels that tie a container to the task run that started it (find strays with `docker ps --filter`). */
export function taskLabels(ctx: {
  execution: { id: string };
  taskRun: { id: string };
}): Record<string, string> {
  return { 'io.tern.execution': ctx.execution.id, 'io.tern.task-run': ctx.taskRun.id };
}

/** How a container run ended; engine failures are thrown as TaskErrors instead. */
export type ContainerOutcome = { kind: 'exited'; exitCode: number } | { kind: 'aborted'; reason: unknown };

function createOptions(spec: ContainerSpec): Docker.ContainerCreateOptions {
  const binds = [
    ...(spec.workingDir ? [`${spec.workingDir}:${spec.workingDir}`] : []),
    ...(spec.binds ?? []),
  ];
  return {
    Image: spec.image,
    Cmd: spec.cmd ? [...spec.cmd] : undefined,
    Entrypoint: spec.entrypoint ? [...spec.entrypoint] : undefined,
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    WorkingDir: spec.workingDir,
    User: spec.user,
    Labels: spec.labels ? { ...spec.labels } : undefined,
    Tty: false,
    HostConfig: {
      Binds: binds.length > 0 ? binds : undefined,
      NetworkMode: spec.networkMode,
      Memory: spec.memoryBytes,
      MemorySwap: spec.memorySwapBytes,
      NanoCpus: spec.nanoCpus,
    },
  };
}

async function remove(docker: Docker, container: Docker.Container, logger: TaskLogger): Promise<void> {
  try {
    await container.remove({ force: true });
  } catch (err) {
    if (!isNotFound(err)) logger.warn(engineFailure(docker, `remove container ${container.id}`, err).message);
  }
}

/**
 * Pulls the image as `pullPolicy` says, creates the container, streams its
 * output by line, waits for its exit code and removes it. When `run.signal`
 * aborts, the container is killed (SIGKILL: a shell as PID 1 ignores SIGTERM)
 * and the outcome is `aborted`.
 *
 * @example
 * const spec = { image: 'alpine', pullPolicy: 'NEVER', cmd: ['true'], env: {} } as const;
 * const outcome = await runContainer(docker, spec, { signal, logger, onLine: (_, line) => logger.info(line) });
 */
export async function runContainer(
  docker: Docker,
  spec: ContainerSpec,
  run: ContainerRun,
): Promise<ContainerOutcome> {
  const { signal, logger } = run;
  if (signal.aborted) return { kind: 'aborted', reason: signal.reason };
  try {
    await ensureImage(docker, spec.image, spec.pullPolicy, logger, signal);
  } catch (err) {
    if (signal.aborted) return { kind: 'aborted', reason: signal.reason };
    throw err;
  }
  if (signal.aborted) return { kind: 'aborted', reason: signal.reason };

  let container: Docker.Container;
  try {
    container = await docker.createContainer(createOptions(spec));
  } catch (err) {
    throw engineFailure(docker, `create a container from '${spec.image}'`, err);
  }
  let killing: Promise<void> | undefined;
  const kill = () => {
    killing = container.kill({ signal: 'SIGKILL' }).then(
      () => undefined,
      // Already stopped (or not started yet): nothing to kill.
      () => undefined,
    );
  };
  signal.addEventListener('abort', kill, { once: true });
  try {
    if (signal.aborted) return { kind: 'aborted', reason: signal.reason };
    try {
      await container.start();
    } catch (err) {
      throw engineFailure(docker, `start a container from '${spec.image}'`, err);
    }
    // An abort during the start found nothing to kill yet.
    if (signal.aborted) kill();
    logger.debug(`container ${container.id.slice(0, 12)} started from ${spec.image}`);
    const exited = waitForExit(container);
    const logs = streamLogs(docker, container, run.onLine, exited).catch((err: unknown) =>
      logger.warn(engineFailure(docker, 'read the container output', err).message),
    );
    let exitCode: number;
    try {
      exitCode = await exited;
    } catch (err) {
      throw engineFailure(docker, 'wait for the container', err);
    } finally {
      await logs;
    }
    await killing;
    if (signal.aborted) return { kind: 'aborted', reason: signal.reason };
    return { kind: 'exited', exitCode };
  } finally {
    signal.removeEventListener('abort', kill);
    await remove(docker, container, logger);
  }
}
