/** `tern run FILE`: runs one flow once, locally, with durable state, and reports how it went. */
import { dirname } from 'node:path';
import { type LocalRuntime, openLocalRuntime } from '../../agent/local-runtime.js';
import { formatProblem, InputValidationError } from '../../protocol/errors.js';
import type { Execution } from '../../protocol/execution.js';
import type { Flow } from '../../protocol/flow.js';
import { isFailure } from '../../protocol/states.js';
import { resumeInputs } from '../../runtime/engine/resume.js';
import { loadFlowFile } from '../../runtime/flow-loader.js';
import { loadSecrets, secretSource } from '../../runtime/secrets.js';
import { type CliEnvironment, processVariables } from '../config.js';
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_PAUSED, EXIT_USAGE } from '../errors.js';
import { Printer } from '../format.js';
import { runJson } from './run-json.js';
import { resumeHint, watchPauses } from './run-pause.js';

export interface RunOptions {
  input: string[];
  json: boolean;
  dataDir?: string;
  flows?: string[];
  /** A YAML or JSON map of secrets; TERN_SECRET_* variables win over it. */
  secretsFile?: string;
  /** The id of a paused execution of this flow to resume; `input` then holds its `onResume` inputs. */
  resume?: string;
}

/** Parses repeated `--input k=v` into a map. */
export function parseInputs(pairs: readonly string[]): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`--input '${pair}': expected key=value`, EXIT_USAGE);
    inputs[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return inputs;
}

export async function runCommand(file: string, options: RunOptions, env: CliEnvironment): Promise<number> {
  const inputs = parseInputs(options.input);
  const printer = new Printer(env.color && !options.json);
  let secrets: Record<string, string>;
  try {
    secrets = loadSecrets({ environment: env.secrets, file: options.secretsFile });
  } catch (err) {
    throw new CliError(`--secrets-file: ${(err as Error).message}`, EXIT_USAGE);
  }
  const runtime = openLocalRuntime({
    dataDir: options.dataDir ?? env.runDataDir,
    secrets: secretSource(secrets),
    renderLimits: env.renderLimits,
    variables: loadVariables(env),
  });
  try {
    const check = (t: string) => runtime.renderer.check(t);
    const loaded = await loadFlowFile(file, runtime.registry, { checkExpression: check });
    if (!loaded.flow || loaded.problems.length > 0) {
      throw new CliError(loaded.problems.map(formatProblem).join('\n'), EXIT_FAILED);
    }
    // Sibling flows (and --flows) are known for subflows; the file given always wins.
    await runtime.flows.load(
      options.flows?.length ? options.flows : [dirname(file)],
      runtime.registry,
      check,
    );
    const record = { flow: loaded.flow, revision: loaded.flow.revision ?? 1 };
    runtime.flows.add(record);

    if (!options.json) {
      runtime.engine.on({ log: (line) => printer.log(line) });
      if (env.interactive) {
        runtime.engine.on({
          taskRun: (tr) => {
            if (tr.state === 'RUNNING' && tr.attempts.length <= 1)
              printer.line(
                printer.style('gray', `▶ ${tr.taskId}${tr.value !== null ? ` [${tr.value}]` : ''}`),
              );
          },
        });
      }
    }
    if (options.resume !== undefined) await checkResume(runtime, record.flow, options.resume, inputs, file);
    const pauses = watchPauses(runtime.engine, record.flow);
    // Executions paused until resumed wait for `--resume`; other unfinished ones are taken over.
    const recovered = await runtime.engine.recover(
      (e) =>
        e.namespace === record.flow.namespace &&
        e.flowId === record.flow.id &&
        (options.resume === undefined ? e.state !== 'PAUSED' : e.id === options.resume),
    );
    let execution: Execution;
    const previous: Execution[] = [];
    if (options.resume !== undefined) {
      const resumed = recovered.find((e) => e.id === options.resume);
      if (!resumed)
        throw new CliError(`${file}: execution ${options.resume} could not be resumed`, EXIT_FAILED);
      runtime.engine.resume(resumed.id, inputs);
      pauses.resumed(resumed.id);
      execution = resumed;
    } else {
      for (const e of recovered)
        if (!options.json)
          printer.line(
            printer.style('yellow', `resuming execution ${e.id} left unfinished by an earlier run`),
          );
      previous.push(...(await Promise.all(recovered.map((e) => runtime.engine.wait(e.id)))));
      const unknown = Object.keys(inputs).filter((name) => !record.flow.inputs?.some((i) => i.id === name));
      if (unknown.length > 0)
        throw new CliError(
          unknown
            .map(
              (name) => `${file}: --input ${name}: the flow declares no such input${declared(record.flow)}`,
            )
            .join('\n'),
          EXIT_USAGE,
        );
      try {
        execution = await runtime.engine.start(record, { inputs });
      } catch (err) {
        throw inputProblems(err, file);
      }
    }
    const stop = () => runtime.engine.kill(execution.id);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const outcome = await pauses.until(execution.id);
    pauses.stop();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    execution = 'ended' in outcome ? outcome.ended : outcome.paused;
    await runtime.store.flush();
    const stored = await runtime.store.getExecution(execution.id);
    const taskRuns = stored?.taskRuns ?? [];
    const hint =
      'paused' in outcome ? resumeHint(outcome, record.flow, { file, dataDir: options.dataDir }) : undefined;
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({
          ...runJson(execution, taskRuns),
          ...(hint
            ? { paused: { taskIds: 'paused' in outcome ? outcome.taskIds : [], resume: hint[1] } }
            : {}),
          ...(previous.length > 0 ? { resumed: previous.map((p) => ({ id: p.id, state: p.state })) } : {}),
        })}\n`,
      );
    } else {
      printer.summary(execution, taskRuns);
      for (const line of hint ?? []) printer.line(printer.style('magenta', line));
    }
    if (hint) return EXIT_PAUSED;
    return isFailure(execution.state) ? EXIT_FAILED : EXIT_OK;
  } finally {
    await runtime.close();
  }
}

/** Invalid inputs as the CLI prints them; anything else as it is. */
function inputProblems(err: unknown, file: string): unknown {
  if (!(err instanceof InputValidationError)) return err;
  return new CliError(err.problems.map((p) => `${file}: ${formatProblem(p)}`).join('\n'), EXIT_FAILED);
}

/** The flow's input names, for a message about one it does not have. */
function declared(flow: Flow): string {
  const ids = (flow.inputs ?? []).map((i) => i.id);
  return ids.length > 0 ? ` (inputs: ${ids.join(', ')})` : ' (it has no inputs)';
}

/** Refuses, before anything moves, a resume of an execution that is not this flow's, not paused, or given inputs its pause does not take. */
async function checkResume(
  runtime: LocalRuntime,
  flow: Flow,
  id: string,
  inputs: Record<string, unknown>,
  file: string,
): Promise<void> {
  const stored = await runtime.store.getExecution(id);
  const e = stored?.execution;
  if (!stored || !e || e.namespace !== flow.namespace || e.flowId !== flow.id)
    throw new CliError(`${file}: no execution ${id} of ${flow.namespace}.${flow.id} here`, EXIT_FAILED);
  if (e.state !== 'PAUSED')
    throw new CliError(`${file}: execution ${id} is ${e.state}, not PAUSED`, EXIT_FAILED);
  const paused = stored.taskRuns.filter((tr) => tr.state === 'PAUSED').map((tr) => tr.taskId);
  try {
    resumeInputs(flow, paused, inputs);
  } catch (err) {
    throw inputProblems(err, file);
  }
}

/** `envs` and `globals`; a bad TERN_GLOBALS_FILE is a usage error. */
function loadVariables(env: CliEnvironment) {
  try {
    return processVariables(env);
  } catch (err) {
    throw new CliError((err as Error).message, EXIT_USAGE);
  }
}
