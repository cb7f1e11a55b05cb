/** `workingDirectory`: its tasks share one folder, seeded with `inputFiles`; `outputFiles` are stored at the end. */
import { Type as T } from '@sinclair/typebox';
import { defineTask, type PropertyProblem, TaskList } from '../../protocol/plugin.js';
import { flowableState, isFailure } from '../../protocol/states.js';
import { NamespaceFilesSchema } from '../script/common.js';
import {
  collectOutputFiles,
  inputFileMap,
  writeInputFiles,
  writeNamespaceFiles,
} from '../script/work-files.js';

const Cache = T.Object(
  { patterns: T.Array(T.String()), ttl: T.Optional(T.String()) },
  { description: 'Files kept from one execution to the next (not supported: refused when validated)' },
);

export default defineTask({
  type: 'workingDirectory',
  aliases: [
    'io.kestra.plugin.core.flow.WorkingDirectory',
    'io.kestra.core.tasks.flows.WorkingDirectory',
    // Kestra's older name of the same task, still accepted.
    'io.kestra.plugin.core.flow.Worker',
    'io.kestra.core.tasks.flows.Worker',
  ],
  title: 'Working directory',
  description:
    'Runs `tasks` one after another in one shared folder: what a script or shell task writes there, the next one reads. `namespaceFiles` (the namespace files selected, as for script tasks) and then `inputFiles` (a map of file name to content, or to the URI of a stored file, winning on the same name) are written into it first; after the tasks, the files matching `outputFiles` (globs) are stored and given as `outputs.<id>.outputFiles` (name → URI). `errors` run if a task fails. The folder is removed at the end. `cache` is refused when the flow is validated.',
  properties: T.Object({
    tasks: TaskList({ minItems: 1 }),
    errors: T.Optional(TaskList()),
    inputFiles: T.Optional(
      T.Union([T.Record(T.String(), T.String()), T.String()], {
        description: 'File name → content (or stored-file URI), or that map as JSON text',
      }),
    ),
    outputFiles: T.Optional(T.Array(T.String(), { description: 'Globs of files to store after the tasks' })),
    namespaceFiles: T.Optional(NamespaceFilesSchema),
    cache: T.Optional(Cache),
  }),
  children: ['tasks', 'errors'],
  outputs: T.Object({
    outputFiles: T.Record(T.String(), T.String(), { description: 'Stored files by name: their URIs' }),
  }),
  examples: [
    {
      title: 'Write then read a file',
      code: "- id: wd\n  type: workingDirectory\n  inputFiles:\n    greeting.txt: hello\n  outputFiles: [out.txt]\n  tasks:\n    - id: write\n      type: shell\n      commands: ['tr a-z A-Z < greeting.txt > out.txt']\n    - id: read\n      type: shell\n      commands: [cat out.txt]",
    },
  ],
  check: (props) => cacheProblems(props.cache),
  async run(props, ctx) {
    const dir = await ctx.workingDir();
    await writeNamespaceFiles(ctx, dir, props.namespaceFiles);
    await writeInputFiles(ctx, dir, inputFileMap(props.inputFiles));
    const state = await ctx.runTasks(props.tasks, { workingDir: dir });
    if (isFailure(state)) {
      if (props.errors?.length) await ctx.runTasks(props.errors, { workingDir: dir });
      return { state: 'FAILED' };
    }
    const outputFiles = props.outputFiles?.length
      ? await collectOutputFiles(ctx, dir, props.outputFiles)
      : {};
    return { state: flowableState(state), outputs: { outputFiles } };
  },
});

function cacheProblems(cache: unknown): PropertyProblem[] {
  if (cache === undefined) return [];
  return [
    {
      path: 'cache',
      message:
        'is not supported: files are not kept between executions; remove it (the tasks then start from an empty folder each time)',
    },
  ];
}
