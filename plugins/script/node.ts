/** `script.node`: runs a Node.js script or commands (Kestra's node.Script and node.Commands). */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';
import { defineTask } from '../../protocol/plugin.js';
import { ScriptOutputsSchema, scriptProperties } from './common.js';
import { runScriptTask } from './script-task.js';

/**
 * Gives the working directory a package.json unless the input files brought
 * one: without it, Node would take the module type from whatever package.json
 * sits above the directory, and `npm install` would install into that project.
 */
async function ensurePackageJson(dir: string): Promise<void> {
  await writeFile(join(dir, 'package.json'), '{ "private": true }\n', { flag: 'wx' }).catch((err) => {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  });
}

export default defineTask({
  type: 'script.node',
  aliases: ['io.kestra.plugin.scripts.node.Script', 'io.kestra.plugin.scripts.node.Commands'],
  title: 'Node.js',
  description:
    'Runs Node.js on the host: either `script` (written to a CommonJS file in a fresh working directory and ' +
    'run with `node` after `beforeCommands`) or `commands` (shell commands such as `node main.js`). ' +
    "`const Kestra = require('@kestra-io/libs')` works without installing anything: `Kestra.outputs({...})` " +
    'sets `outputs.<taskId>.vars`, `Kestra.logger()` logs at the given level. Output is logged line by line ' +
    "(stdout at INFO, stderr at ERROR). When the host has no `node` on PATH, the agent's own Node.js is used. " +
    'Takes the same `env`, `inputFiles`, `outputFiles`, `warningOnStdErr` and `taskRunner` properties as `shell`.',
  properties: T.Object({
    script: T.Optional(
      T.String({ minLength: 1, description: 'JavaScript source (its content, not a path)' }),
    ),
    commands: T.Optional(
      T.Array(T.String(), { minItems: 1, description: 'Shell commands, e.g. `node main.js`' }),
    ),
    ...scriptProperties,
  }),
  outputs: ScriptOutputsSchema,
  examples: [
    {
      title: 'A script that returns values',
      code: [
        '- id: uptime',
        '  type: script.node',
        '  script: |',
        "    const Kestra = require('@kestra-io/libs');",
        "    const os = require('node:os');",
        '    Kestra.outputs({ uptimeSeconds: os.uptime(), load: os.loadavg()[0] });',
      ].join('\n'),
    },
    {
      title: 'Kestra Commands form',
      code: [
        '- id: build',
        '  type: io.kestra.plugin.scripts.node.Commands',
        '  inputFiles:',
        '    main.js: |',
        "      console.log('hello from main.js');",
        '  commands:',
        '    - node main.js',
      ].join('\n'),
    },
  ],
  run: async (props, ctx) => {
    if ((props.script === undefined) === (props.commands === undefined)) {
      throw new TaskError('set exactly one of `script` and `commands`', false);
    }
    if (props.commands)
      return runScriptTask(props, ctx, { commands: props.commands, prepare: ensurePackageJson });
    return runScriptTask(props, ctx, {
      script: props.script ?? '',
      extension: '.js',
      launch: (path) => `node ${path}`,
      prepare: ensurePackageJson,
    });
  },
});
