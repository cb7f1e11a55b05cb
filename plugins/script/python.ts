/** `script.python`: runs a Python script or commands (Kestra's python.Script and python.Commands). */
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { defineTask } from '../../protocol/plugin.js';
import { ScriptOutputsSchema, scriptProperties } from './common.js';
import { runScriptTask } from './script-task.js';

export default defineTask({
  type: 'script.python',
  aliases: ['io.kestra.plugin.scripts.python.Script', 'io.kestra.plugin.scripts.python.Commands'],
  title: 'Python',
  description:
    'Runs Python on the host: either `script` (written to a file in a fresh working directory and run with ' +
    '`python3` after `beforeCommands`) or `commands` (shell commands such as `python main.py`). ' +
    '`from kestra import Kestra` works without installing anything: `Kestra.outputs({...})` sets ' +
    '`outputs.<taskId>.vars`, `Kestra.logger()` logs at the given level, `Kestra.counter` and `Kestra.timer` ' +
    'are accepted. Output is unbuffered and logged line by line (stdout at INFO, stderr at ERROR). When the host ' +
    'has only `python3`, `python` runs it. Takes the same `env`, `inputFiles`, `outputFiles`, ' +
    '`warningOnStdErr` and `taskRunner` properties as `shell`.',
  properties: T.Object({
    script: T.Optional(T.String({ minLength: 1, description: 'Python source (its content, not a path)' })),
    commands: T.Optional(
      T.Array(T.String(), { minItems: 1, description: 'Shell commands, e.g. `python main.py`' }),
    ),
    ...scriptProperties,
  }),
  outputs: ScriptOutputsSchema,
  examples: [
    {
      title: 'A script that returns values',
      code: [
        '- id: readings',
        '  type: script.python',
        '  script: |',
        '    from kestra import Kestra',
        '    temps = [21.5, 22.1, 21.9]',
        '    Kestra.outputs({"mean": sum(temps) / len(temps)})',
      ].join('\n'),
    },
    {
      title: 'Kestra Commands form with a virtual environment',
      code: [
        '- id: report',
        '  type: io.kestra.plugin.scripts.python.Commands',
        '  inputFiles:',
        '    main.py: |',
        '      print("hello from main.py")',
        '  beforeCommands:',
        '    - python3 -m venv .venv',
        '    - . .venv/bin/activate',
        '  commands:',
        '    - python main.py',
      ].join('\n'),
    },
  ],
  run: async (props, ctx) => {
    if ((props.script === undefined) === (props.commands === undefined)) {
      throw new TaskError('set exactly one of `script` and `commands`', false);
    }
    if (props.commands) return runScriptTask(props, ctx, { commands: props.commands });
    return runScriptTask(props, ctx, {
      script: props.script ?? '',
      extension: '.py',
      launch: (path) => `python3 ${path}`,
    });
  },
});
