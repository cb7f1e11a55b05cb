/** `docker.run`: runs a container to its end (Kestra's io.kestra.plugin.docker.Run). */
import { resolve } from 'node:path';
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { defineTask } from '../../protocol/plugin.js';
import { scriptProperties } from '../script/common.js';
import { ScriptLineConsumer } from '../script/log-protocol.js';
import { abortMessage } from '../script/script-task.js';
import { collectOutputFiles, inputFileMap, writeInputFiles } from '../script/work-files.js';
import { runContainer, taskLabels } from './container.js';
import { containerEngine } from './engine.js';
import { containerLimits, containerOptions } from './options.js';

export default defineTask({
  type: 'docker.run',
  aliases: ['io.kestra.plugin.docker.Run'],
  title: 'Run a container',
  description:
    'Runs `containerImage` with `commands` as its command (the image’s own when none) through the container ' +
    'engine at DOCKER_HOST, or the default socket (Docker or Podman). The task’s working directory is mounted ' +
    'at the same path and is the container’s working directory, so `inputFiles` are there and `outputFiles` ' +
    'are collected from it. Output is logged line by line (stdout at INFO, stderr at ERROR) and ' +
    '`::{"outputs": {...}}::` lines set `outputs.<taskId>.vars`; a non-zero exit code fails the task. On a ' +
    'timeout or kill the container is killed; it is removed in every case.',
  properties: T.Object({
    containerImage: T.String({ minLength: 1, description: 'Image to run, e.g. `alpine:3.20`' }),
    commands: T.Optional(
      T.Array(T.String(), {
        description: 'The command and its arguments (Docker’s CMD); no shell unless you name one',
      }),
    ),
    env: T.Optional(
      T.Record(T.String(), T.Union([T.String(), T.Number(), T.Boolean()]), {
        description: 'Environment variables of the container',
      }),
    ),
    inputFiles: scriptProperties.inputFiles,
    outputFiles: scriptProperties.outputFiles,
    ...containerOptions,
  }),
  outputs: T.Object({
    exitCode: T.Integer({ description: 'Exit code of the container' }),
    vars: T.Record(T.String(), T.Unknown(), {
      description: 'Values printed as ::{"outputs": {...}}:: lines, merged key by key',
    }),
    outputFiles: T.Optional(
      T.Record(T.String(), T.String(), {
        description: 'Kept files (`outputFiles`): relative path → storage URI',
      }),
    ),
  }),
  examples: [
    {
      title: 'Run a command in an image',
      code: [
        '- id: checksum',
        '  type: docker.run',
        '  containerImage: alpine:3.20',
        '  networkMode: none',
        '  memory: 64MB',
        '  inputFiles:',
        '    data.txt: "{{ inputs.payload }}"',
        '  commands: [sha256sum, data.txt]',
      ].join('\n'),
    },
  ],
  async run(props, ctx) {
    const docker = containerEngine(ctx.host);
    const dir = resolve(await ctx.workingDir());
    await writeInputFiles(ctx, dir, inputFileMap(props.inputFiles));
    const env = Object.fromEntries(Object.entries(props.env ?? {}).map(([k, v]) => [k, String(v)]));
    const consumer = new ScriptLineConsumer(ctx.logger);
    const outcome = await runContainer(
      docker,
      {
        image: props.containerImage,
        pullPolicy: props.pullPolicy ?? 'IF_NOT_PRESENT',
        cmd: props.commands,
        entrypoint: props.entryPoint ?? props.entrypoint,
        env: { WORKING_DIR: dir, ...env },
        workingDir: dir,
        binds: props.volumes,
        user: props.user,
        networkMode: props.networkMode,
        labels: taskLabels(ctx),
        ...containerLimits(props),
      },
      { signal: ctx.signal, logger: ctx.logger, onLine: (stream, line) => consumer.accept(stream, line) },
    );
    if (outcome.kind === 'aborted') {
      throw new TaskError(abortMessage(outcome.reason), true, { cause: outcome.reason });
    }
    const outputs: Record<string, unknown> = { exitCode: outcome.exitCode, vars: consumer.vars };
    if (outcome.exitCode !== 0) {
      throw new TaskError(`container exited with code ${outcome.exitCode}`, true, { details: { outputs } });
    }
    if (props.outputFiles) outputs.outputFiles = await collectOutputFiles(ctx, dir, props.outputFiles);
    return { outputs };
  },
});
