/** `tern validate FILE|DIR…`: checks flow files and prints every problem with its position. */

import { builtinRegistry } from '../../plugins/builtin.js';
import { formatProblem } from '../../protocol/errors.js';
import { Renderer } from '../../runtime/expr/index.js';
import { findFlowFiles, loadFlowFile } from '../../runtime/flow-loader.js';
import type { CliEnvironment } from '../config.js';
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../errors.js';
import { Printer } from '../format.js';

export async function validateCommand(paths: string[], env: CliEnvironment): Promise<number> {
  const files = await findFlowFiles(paths).catch((err: Error) => {
    throw new CliError(err.message, EXIT_USAGE);
  });
  if (files.length === 0)
    throw new CliError(`no .yml or .yaml files found in ${paths.join(', ')}`, EXIT_USAGE);
  const printer = new Printer(env.color);
  const registry = builtinRegistry();
  const renderer = new Renderer();
  let invalid = 0;
  for (const file of files) {
    const result = await loadFlowFile(file, registry, {
      checkExpression: (t) => renderer.check(t),
      saving: true,
    });
    if (result.problems.length === 0) {
      printer.line(`${printer.style('green', '✓')} ${file}`);
      continue;
    }
    invalid++;
    printer.line(`${printer.style('red', '✗')} ${file}`);
    for (const p of result.problems) printer.line(`  ${formatProblem(p)}`);
  }
  printer.line(`${files.length - invalid} valid, ${invalid} invalid`);
  return invalid > 0 ? EXIT_FAILED : EXIT_OK;
}
