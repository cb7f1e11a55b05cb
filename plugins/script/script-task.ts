/** Runs a script task: prepares the working directory, runs the shell as a process or in a container. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { TaskError } from '../../protocol/errors.js';
import { OUTPUT_DIR, type TaskContext, type TaskResult } from '../../protocol/plugin.js';
import {
  DEFAULT_INTERPRETER,
  DOCKER_RUNNERS,
  PROCESS_RUNNERS,
  type ScriptProperties,
  shellQuote,
} from './common.js';
import { runInContainer } from './docker-runner.js';
import { installRuntimeSupport, type RuntimeSupport } from './kestra-libs.js';
import { ScriptLineConsumer } from './log-protocol.js';
import { runProcess } from './process-runner.js';
import {
  collectDirectory,
  collectOutputFiles,
  inputFileMap,
  writeInputFiles,
  writeNamespaceFiles,
} from './work-files.js';

/** What the task runs after `beforeCommands`: commands as given, or a script file and the program that runs it. */
export type ScriptPlan = (
  | { commands: readonly string[] }
  | {
      script: string;
      /** File name extension, e.g. `.py`. */
      extension: string;
      /** Shell command that runs the script, given its quoted absolute path, e.g. `p => 'python3 ' + p`. */
      launch(quotedPath: string): string;
    }
) & {
  /** Language-specific preparation of the working directory, after the input files are written. */
  prepare?(dir: string): Promise<void>;
};

/** The runner a task asks for in `taskRunner.type` (or Kestra's older `runner`); unknown ones fail, no retry. */
export function scriptRunner(props: ScriptProperties): 'process' | 'docker' {
  const type = props.taskRunner?.type ?? (props.runner === 'DOCKER' ? 'docker' : 'process');
  if ((DOCKER_RUNNERS as readonly string[]).includes(type)) return 'docker';
  if ((PROCESS_RUNNERS as readonly string[]).includes(type)) return 'process';
  throw new TaskError(`unknown task runner '${type}'; use 'process' or 'docker'`, false);
}

/** The message of an abort reason (a TimeoutError, a KilledError, a string). */
export function abortMessage(reason: unknown): string {
  if (reason instanceof Error && reason.message) return reason.message;
  if (typeof reason === 'string' && reason) return reason;
  return 'the task was aborted';
}

/** Joins directories onto a PATH-like variable, `first` before the current value and `last` after it. */
function pathList(current: string | undefined, first: string[], last: string[] = []): string {
  return [...first, ...(current ? [current] : []), ...last].join(':');
}

function spawnFailure(interpreter: string, error: NodeJS.ErrnoException): TaskError {
  const why =
    error.code === 'ENOENT' ? 'not found' : error.code === 'EACCES' ? 'permission denied' : error.message;
  const code = error.code ? ` (${error.code})` : '';
  return new TaskError(`cannot start '${interpreter}': ${why}${code}`, false, { cause: error });
}

/**
 * Runs a script task: writes input files and the helper modules, runs
 * `set -e` (with failFast), beforeCommands and the plan in one shell, streams
 * its lines to the task log, and returns `{exitCode, vars, outputFiles?}`.
 * A non-zero exit throws a retryable TaskError whose `details.outputs` holds
 * the outputs; an abort kills the process tree and throws with its reason.
 */
export async function runScriptTask(
  props: ScriptProperties,
  ctx: TaskContext,
  plan: ScriptPlan,
): Promise<TaskResult> {
  try {
    return await run(props, ctx, plan);
  } catch (err) {
    if (err instanceof TaskError) throw err;
    throw new TaskError(`script task could not run: ${(err as Error).message ?? String(err)}`, true, {
      cause: err,
    });
  }
}

/** How the shell ended, whichever runner ran it. */
type ShellOutcome =
  | { kind: 'exited'; exitCode: number; signal: NodeJS.Signals | null }
  | { kind: 'aborted'; reason: unknown }
  | { kind: 'spawn-failed'; error: NodeJS.ErrnoException };

/** The process runner's environment: the agent's own, the task's `env`, and the helper paths. */
function processEnv(
  userEnv: Record<string, string>,
  dir: string,
  outputDir: string,
  support: RuntimeSupport,
) {
  // Inheriting the agent's environment is what users of a process runner expect.
  const base: NodeJS.ProcessEnv = { ...process.env, ...userEnv };
  return {
    ...base,
    WORKING_DIR: dir,
    OUTPUT_DIR: outputDir,
    PYTHONUNBUFFERED: base.PYTHONUNBUFFERED ?? '1',
    PYTHONPATH: pathList(base.PYTHONPATH, [support.pythonPath]),
    NODE_PATH: pathList(base.NODE_PATH, [support.nodePath]),
    // Last on PATH: a real `python` wins; Tern's own node serves when the host has none.
    PATH: pathList(base.PATH, [], [dirname(process.execPath), support.binPath]),
  };
}

/** A container's environment: only the task's `env` and the helper paths, nothing of the agent's. */
function containerEnv(
  userEnv: Record<string, string>,
  dir: string,
  outputDir: string,
  support: RuntimeSupport,
) {
  return {
    ...userEnv,
    WORKING_DIR: dir,
    OUTPUT_DIR: outputDir,
    PYTHONUNBUFFERED: userEnv.PYTHONUNBUFFERED ?? '1',
    PYTHONPATH: pathList(userEnv.PYTHONPATH, [support.pythonPath]),
    NODE_PATH: pathList(userEnv.NODE_PATH, [support.nodePath]),
  };
}

async function run(props: ScriptProperties, ctx: TaskContext, plan: ScriptPlan): Promise<TaskResult> {
  const runner = scriptRunner(props);
  if (ctx.signal.aborted)
    throw new TaskError(abortMessage(ctx.signal.reason), true, { cause: ctx.signal.reason });

  // Absolute, so that the script's path holds in the shell's own directory and inside a container.
  const dir = resolve(await ctx.workingDir());
  await writeNamespaceFiles(ctx, dir, props.namespaceFiles);
  await writeInputFiles(ctx, dir, inputFileMap(props.inputFiles));
  await plan.prepare?.(dir);
  const support = await installRuntimeSupport(dir);
  const outputDir = join(dir, OUTPUT_DIR);
  await mkdir(outputDir, { recursive: true });

  const lines = [...(props.failFast === false ? [] : ['set -e']), ...(props.beforeCommands ?? [])];
  if ('commands' in plan) {
    lines.push(...plan.commands);
  } else {
    // Hidden name at the top of the working directory, so the script can import its sibling input files.
    const file = join(dir, `.tern-script${plan.extension}`);
    await writeFile(file, plan.script);
    lines.push(plan.launch(shellQuote(file)));
  }

  const userEnv = Object.fromEntries(Object.entries(props.env ?? {}).map(([k, v]) => [k, String(v)]));
  const interpreter = props.interpreter?.length ? props.interpreter : DEFAULT_INTERPRETER;
  const argv = [...interpreter, lines.join('\n')];
  const consumer = new ScriptLineConsumer(ctx.logger);
  const onLine = (stream: 'stdout' | 'stderr', line: string) => consumer.accept(stream, line);
  const outcome: ShellOutcome =
    runner === 'docker'
      ? await runInContainer(props, ctx, {
          argv,
          dir,
          env: containerEnv(userEnv, dir, outputDir, support),
          onLine,
        }).then((o) => (o.kind === 'exited' ? { ...o, signal: null } : o))
      : await runProcess({
          argv,
          cwd: dir,
          env: processEnv(userEnv, dir, outputDir, support),
          signal: ctx.signal,
          onLine,
        });

  if (outcome.kind === 'spawn-failed') throw spawnFailure(interpreter[0] ?? '', outcome.error);
  if (outcome.kind === 'aborted')
    throw new TaskError(abortMessage(outcome.reason), true, { cause: outcome.reason });

  const outputs: Record<string, unknown> = { exitCode: outcome.exitCode, vars: consumer.vars };
  if (outcome.exitCode !== 0) {
    const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited with code ${outcome.exitCode}`;
    throw new TaskError(`command ${how}`, true, { details: { outputs } });
  }

  const files = {
    ...(props.outputFiles ? await collectOutputFiles(ctx, dir, props.outputFiles) : {}),
    ...(await collectDirectory(ctx, outputDir)),
  };
  if (props.outputFiles || Object.keys(files).length > 0) outputs.outputFiles = files;

  const warn = props.warningOnStdErr === true && consumer.stderrLines > 0;
  return warn ? { state: 'WARNING', outputs } : { outputs };
}
