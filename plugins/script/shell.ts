/** `script.shell`: runs an inline shell script (Kestra's io.kestra.plugin.scripts.shell.Script). */
import { Type as T } from '@sinclair/typebox';
import { defineTask } from '../../protocol/plugin.js';
import { ScriptOutputsSchema, scriptProperties } from './common.js';
import { runScriptTask } from './script-task.js';

export default defineTask({
  type: 'script.shell',
  aliases: ['io.kestra.plugin.scripts.shell.Script'],
  title: 'Shell script',
  description:
    'Writes `script` to a file in a fresh working directory and runs it in the same shell as ' +
    '`beforeCommands` (it is sourced, so `set -e`, variables and `cd` carry over, as when Kestra inlines it). ' +
    'Output is logged line by line (stdout at INFO, stderr at ERROR); `::{"outputs": {...}}::` lines set ' +
    '`outputs.<taskId>.vars`, and a non-zero exit code fails the task. Takes the same `env`, `inputFiles`, ' +
    '`outputFiles`, `warningOnStdErr` and `taskRunner` properties as `shell`.',
  properties: T.Object({
    script: T.String({ minLength: 1, description: 'The script itself (its content, not a path)' }),
    ...scriptProperties,
  }),
  outputs: ScriptOutputsSchema,
  examples: [
    {
      title: 'A multi-line script',
      code: [
        '- id: rotate',
        '  type: script.shell',
        '  script: |',
        '    for f in logs/*.log; do',
        '      gzip "$f"',
        '    done',
        '    echo "::{\\"outputs\\": {\\"done\\": true}}::"',
      ].join('\n'),
    },
  ],
  run: (props, ctx) =>
    runScriptTask(props, ctx, { script: props.script, extension: '.sh', launch: (path) => `. ${path}` }),
});
