/** The docker task runner: a script task's shell in a container of `containerImage`, its folder mounted. */
import { TaskError } from '../../protocol/errors.js';
import type { TaskContext } from '../../protocol/plugin.js';
import { type ContainerOutcome, runContainer, taskLabels } from '../docker/container.js';
import { containerEngine } from '../docker/engine.js';
import { type ContainerOptions, containerLimits } from '../docker/options.js';
import type { ScriptProperties } from './common.js';

/** What the script task runs: the shell command line, where, with which environment. */
export interface ContainerJob {
  argv: readonly string[];
  /** Absolute working directory; mounted at the same path, so paths in the script hold inside. */
  dir: string;
  env: Record<string, string>;
  onLine(stream: 'stdout' | 'stderr', line: string): void;
}

/** The image named by `containerImage`, or by Kestra's deprecated `docker.image`. */
function imageOf(props: ScriptProperties): string | undefined {
  const legacy = props.docker?.image;
  return props.containerImage ?? (typeof legacy === 'string' ? legacy : undefined);
}

/**
 * Runs `job.argv` in a fresh container of the task's image with the runner's
 * options (pullPolicy, limits, user, network, volumes). The image's own
 * entrypoint is reset unless `entryPoint` is given, so the shell runs as is.
 */
export function runInContainer(
  props: ScriptProperties,
  ctx: TaskContext,
  job: ContainerJob,
): Promise<ContainerOutcome> {
  const image = imageOf(props);
  if (!image) throw new TaskError('the docker task runner needs `containerImage`', false);
  const options: ContainerOptions = props.taskRunner ?? {};
  return runContainer(
    containerEngine(ctx.host),
    {
      image,
      pullPolicy: options.pullPolicy ?? 'IF_NOT_PRESENT',
      entrypoint: options.entryPoint ?? options.entrypoint ?? [''],
      cmd: job.argv,
      env: job.env,
      workingDir: job.dir,
      binds: options.volumes,
      user: options.user,
      networkMode: options.networkMode,
      labels: taskLabels(ctx),
      ...containerLimits(options),
    },
    { signal: ctx.signal, logger: ctx.logger, onLine: job.onLine },
  );
}
