/** `shell`: runs shell commands on the host (Kestra's io.kestra.plugin.scripts.shell.Commands). */
import { Type as T } from '@sinclair/typebox';
import { defineTask } from '../../protocol/plugin.js';
import { ScriptOutputsSchema, scriptProperties } from '../script/common.js';
import { runScriptTask } from '../script/script-task.js';

export default defineTask({
  type: 'shell',
  aliases: ['io.kestra.plugin.scripts.shell.Commands'],
  title: 'Shell commands',
  description:
    'Runs commands in one shell (`/bin/sh -c` unless `interpreter` says otherwise) in a fresh working ' +
    'directory: `beforeCommands` first, then `commands`, stopping at the first failure unless `failFast: false`. ' +
    'Output is logged line by line as it is printed (stdout at INFO, stderr at ERROR). A line ' +
    '`::{"outputs": {"key": value}}::` sets `outputs.<taskId>.vars.key`; `outputs.<taskId>.exitCode` holds the ' +
    'exit code, and a non-zero code fails the task. Files listed in `outputFiles`, and files written to ' +
    '`$OUTPUT_DIR`, are kept as `outputs.<taskId>.outputFiles[name]`. A timeout or kill stops the command and ' +
    'everything it started; processes left running when the shell exits are stopped too.',
  properties: T.Object({
    commands: T.Array(T.String(), { minItems: 1, description: 'Shell commands, run in order' }),
    ...scriptProperties,
  }),
  outputs: ScriptOutputsSchema,
  examples: [
    {
      title: 'Run commands and pass a value to later tasks',
      code: [
        '- id: disk',
        '  type: shell',
        '  commands:',
        '    - df -h /',
        '    - used=$(df --output=pcent / | tail -1 | tr -dc 0-9)',
        `    - 'echo "::{\\"outputs\\": {\\"usedPercent\\": $used}}::"'`,
      ].join('\n'),
    },
    {
      title: 'Kestra form, with an input file and an output file',
      code: [
        '- id: count',
        '  type: io.kestra.plugin.scripts.shell.Commands',
        '  taskRunner:',
        '    type: io.kestra.plugin.core.runner.Process',
        '  inputFiles:',
        '    names.txt: |',
        '      ada',
        '      grace',
        '  outputFiles:',
        '    - count.txt',
        '  commands:',
        '    - wc -l < names.txt > count.txt',
      ].join('\n'),
    },
  ],
  run: (props, ctx) => runScriptTask(props, ctx, { commands: props.commands }),
});
