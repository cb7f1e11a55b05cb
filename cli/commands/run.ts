/** `tern run FILE`: runs one flow once, locally, with durable state, and reports how it went. */
import { dirname } from 'node:path';
import { openLocalRuntime } from '../../agent/local-runtime.js';
import { formatProblem, InputValidationError } from '../../protocol/errors.js';
import type { Execution } from '../../protocol/execution.js';
import { isFailure } from '../../protocol/states.js';
import { loadFlowFile } from '../../runtime/flow-loader.js';
import { loadSecrets, secretSource } from '../../runtime/secrets.js';
import type { CliEnvironment } from '../config.js';
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../errors.js';
import { Printer } from '../format.js';

export interface RunOptions {
  input: string[];
  json: boolean;
  dataDir?: string;
  flows?: string[];
  /** A YAML or JSON map of secrets; TERN_SECRET_* variables win over it. */
  secretsFile?: string;
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
    const recovered = await runtime.engine.recover(
      (e) => e.namespace === record.flow.namespace && e.flowId === record.flow.id,
    );
    for (const e of recovered)
      if (!options.json)
        printer.line(printer.style('yellow', `resuming execution ${e.id} left unfinished by an earlier run`));
    const previous = await Promise.all(recovered.map((e) => runtime.engine.wait(e.id)));

    let execution: Execution;
    try {
      execution = await runtime.engine.start(record, { inputs });
    } catch (err) {
      if (err instanceof InputValidationError) {
        throw new CliError(err.problems.map((p) => `${file}: ${formatProblem(p)}`).join('\n'), EXIT_FAILED);
      }
      throw err;
    }
    const stop = () => runtime.engine.kill(execution.id);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    execution = await runtime.engine.wait(execution.id);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await runtime.store.flush();
    const stored = await runtime.store.getExecution(execution.id);
    const taskRuns = stored?.taskRuns ?? [];
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({
          id: execution.id,
          namespace: execution.namespace,
          flowId: execution.flowId,
          state: execution.state,
          outputs: execution.outputs,
          taskRuns: taskRuns.map((tr) => ({
            taskId: tr.taskId,
            state: tr.state,
            attempts: tr.attempts.length,
            value: tr.value,
            outputs: tr.outputs,
          })),
          ...(previous.length > 0 ? { resumed: previous.map((p) => ({ id: p.id, state: p.state })) } : {}),
        })}\n`,
      );
    } else printer.summary(execution, taskRuns);
    return isFailure(execution.state) ? EXIT_FAILED : EXIT_OK;
  } finally {
    await runtime.close();
  }
}
