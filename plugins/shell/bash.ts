/** `bash`: Kestra's first shell task, io.kestra.core.tasks.scripts.Bash, run as Tern's `shell` runs commands. */
import { Type as T } from '@sinclair/typebox';
import { defineTask } from '../../protocol/plugin.js';
import { ScriptOutputsSchema, scriptProperties } from '../script/common.js';
import { runScriptTask } from '../script/script-task.js';

const { env, inputFiles, outputFiles, runner } = scriptProperties;

export default defineTask({
  type: 'bash',
  aliases: ['io.kestra.core.tasks.scripts.Bash'],
  title: 'Bash (Kestra’s older shell task)',
  description:
    'Kestra’s older form of shell commands, kept so that flows written for it run unchanged: `commands` run in ' +
    'one `interpreter` (`/bin/sh`, given `interpreterArgs`, `-c`), stopping at the first failure while ' +
    '`exitOnFailed` holds; anything printed to stderr ends the task in WARNING unless `warningOnStdErr` is false. ' +
    'Outputs and logs are those of `shell`. New flows should use `shell` ' +
    '(io.kestra.plugin.scripts.shell.Commands).',
  properties: T.Object({
    commands: T.Array(T.String(), { minItems: 1, description: 'Shell commands, run in order' }),
    interpreter: T.Optional(T.String({ default: '/bin/sh', description: 'Program that runs the commands' })),
    interpreterArgs: T.Optional(
      T.Array(T.String(), {
        default: ['-c'],
        description: 'Arguments given to the interpreter before the commands',
      }),
    ),
    exitOnFailed: T.Optional(
      T.Boolean({ default: true, description: 'Stop at the first failing command (`set -e`)' }),
    ),
    warningOnStdErr: T.Optional(
      T.Boolean({ default: true, description: 'End in WARNING when anything was printed to stderr' }),
    ),
    env,
    inputFiles,
    outputFiles,
    outputsFiles: T.Optional(T.Array(T.String(), { description: 'Older name of `outputFiles`' })),
    runner,
    dockerOptions: T.Optional(
      T.Record(T.String(), T.Unknown(), {
        description: 'Docker options of the DOCKER runner: `image` is the image the commands run in',
      }),
    ),
  }),
  outputs: ScriptOutputsSchema,
  examples: [
    {
      title: 'A flow written for Kestra’s first releases',
      code: '- id: hello\n  type: io.kestra.core.tasks.scripts.Bash\n  commands:\n    - echo "hello"',
    },
  ],
  run(props, ctx) {
    const kept = [...(props.outputFiles ?? []), ...(props.outputsFiles ?? [])];
    return runScriptTask(
      {
        interpreter: [props.interpreter ?? '/bin/sh', ...(props.interpreterArgs ?? ['-c'])],
        failFast: props.exitOnFailed ?? true,
        warningOnStdErr: props.warningOnStdErr ?? true,
        ...(props.env ? { env: props.env } : {}),
        ...(props.inputFiles ? { inputFiles: props.inputFiles } : {}),
        ...(kept.length > 0 ? { outputFiles: kept } : {}),
        ...(props.runner ? { runner: props.runner } : {}),
        ...(props.dockerOptions ? { docker: props.dockerOptions } : {}),
      },
      ctx,
      { commands: props.commands },
    );
  },
});
