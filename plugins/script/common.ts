/** Properties and outputs shared by the shell, Python and Node script tasks (Kestra's names and defaults). */
import { type Static, Type as T } from '@sinclair/typebox';
import { containerOptions } from '../docker/options.js';

/** Runner types accepted in `taskRunner.type`: ours and Kestra's names. */
export const PROCESS_RUNNERS = ['process', 'io.kestra.plugin.core.runner.Process'] as const;
export const DOCKER_RUNNERS = ['docker', 'io.kestra.plugin.scripts.runner.docker.Docker'] as const;

export const DEFAULT_INTERPRETER: readonly string[] = ['/bin/sh', '-c'];

const TaskRunnerSchema = T.Object(
  {
    type: T.Union(
      [...PROCESS_RUNNERS, ...DOCKER_RUNNERS].map((t) => T.Literal(t)),
      {
        description:
          "Where the commands run: 'process' (default) on this host, 'docker' in a container of `containerImage`",
      },
    ),
    ...containerOptions,
  },
  {
    additionalProperties: true,
    description:
      'Task runner; its options sit beside `type`. The docker runner mounts the working directory at the same ' +
      'path and reads the container options (pullPolicy, memory, cpu, user, networkMode, volumes, entryPoint); ' +
      'the process runner ignores them',
  },
);

/** Kestra's `namespaceFiles`: which namespace files are copied into the working directory before the commands run. */
export const NamespaceFilesSchema = T.Object(
  {
    enabled: T.Optional(
      T.Boolean({ default: true, description: 'Copy the files; giving `namespaceFiles` at all turns it on' }),
    ),
    include: T.Optional(
      T.Array(T.String(), {
        description:
          "Globs (Kestra's: `**` crosses folders, `*` does not) of the files to copy; all when absent",
      }),
    ),
    exclude: T.Optional(T.Array(T.String(), { description: 'Globs of files left out' })),
    namespaces: T.Optional(
      T.Array(T.String(), {
        description:
          "Namespaces whose files are copied, later ones winning on the same path; default the flow's",
      }),
    ),
    folderPerNamespace: T.Optional(
      T.Boolean({ default: false, description: "Put each namespace's files under a folder named after it" }),
    ),
  },
  {
    description:
      'Namespace files copied into the working directory before `inputFiles` (which win on the same name): the files ' +
      "of the flow's namespace, those the hub synced to this agent",
  },
);

const Commands = (description: string) => T.Array(T.String(), { description });

/** Properties every script task accepts, spread into each definition's schema. */
export const scriptProperties = {
  beforeCommands: T.Optional(
    Commands('Commands run first, in the same shell, e.g. to set up a virtual environment'),
  ),
  interpreter: T.Optional(
    T.Array(T.String(), {
      minItems: 1,
      default: [...DEFAULT_INTERPRETER],
      description: 'Shell that runs the commands; the commands are passed as its last argument',
    }),
  ),
  env: T.Optional(
    T.Record(T.String(), T.Union([T.String(), T.Number(), T.Boolean()]), {
      description:
        'Environment variables added to those the agent runs with; in a container (docker runner), the only ones',
    }),
  ),
  inputFiles: T.Optional(
    T.Union([T.Record(T.String(), T.String()), T.String()], {
      description:
        'Files written to the working directory before the commands run: relative name → content. ' +
        'A value that is a file URI from an earlier task is copied from storage. A JSON string of such a map is accepted too.',
    }),
  ),
  namespaceFiles: T.Optional(NamespaceFilesSchema),
  outputFiles: T.Optional(
    T.Array(T.String(), {
      description:
        'Files to keep after the run: relative paths or globs (`*.csv`, `out/**`); read them as outputs.<taskId>.outputFiles[name]',
    }),
  ),
  warningOnStdErr: T.Optional(
    T.Boolean({ default: false, description: 'End in WARNING when anything was printed to stderr' }),
  ),
  failFast: T.Optional(
    T.Boolean({
      default: true,
      description:
        'Stop at the first failing command (`set -e`); when false the last command decides. ' +
        'Turn it off for an interpreter that is not a POSIX shell',
    }),
  ),
  taskRunner: T.Optional(TaskRunnerSchema),
  runner: T.Optional(
    T.Union([T.Literal('PROCESS'), T.Literal('DOCKER')], {
      description: 'Deprecated Kestra form of taskRunner',
    }),
  ),
  containerImage: T.Optional(
    T.String({ description: 'Image the docker runner runs the commands in; the process runner ignores it' }),
  ),
  docker: T.Optional(
    T.Record(T.String(), T.Unknown(), {
      description:
        'Deprecated Kestra docker options: `image` stands in for `containerImage`; the rest is unused',
    }),
  ),
  targetOS: T.Optional(T.Union([T.Literal('AUTO'), T.Literal('LINUX')])),
  outputDirectory: T.Optional(
    T.Boolean({ description: 'Deprecated Kestra switch; $OUTPUT_DIR is always available here' }),
  ),
};

const ScriptPropertiesSchema = T.Object(scriptProperties);
/** The shared properties as the runner reads them. */
export type ScriptProperties = Static<typeof ScriptPropertiesSchema>;

/** Outputs of every script task, as in Kestra: `outputs.<taskId>.vars.<key>`, `.exitCode`, `.outputFiles`. */
export const ScriptOutputsSchema = T.Object({
  exitCode: T.Integer({ description: 'Exit code of the shell that ran the commands' }),
  vars: T.Record(T.String(), T.Unknown(), {
    description: 'Values printed as ::{"outputs": {...}}:: lines, merged key by key',
  }),
  outputFiles: T.Optional(
    T.Record(T.String(), T.String(), { description: 'Kept files: relative path → storage URI' }),
  ),
});

/** Quotes a string for a POSIX shell command line. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
