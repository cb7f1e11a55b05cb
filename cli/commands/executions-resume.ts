/** `tern executions resume ID [--input k=v]`: resumes a paused execution on the hub with its `onResume` inputs. */
import { type ApiClient, enc } from '../client.js';
import { EXIT_OK } from '../errors.js';
import type { Output } from './remote.js';
import { parseInputs } from './run.js';

/**
 * Asks the hub to resume the execution; the hub checks the inputs against
 * the paused tasks' `onResume` and answers with every problem (exit 1).
 */
export async function executionsResume(
  client: ApiClient,
  out: Output,
  id: string,
  pairs: readonly string[],
): Promise<number> {
  await client.request('POST', `/executions/${enc(id)}/resume`, { json: parseInputs(pairs) });
  if (out.json) process.stdout.write(`${JSON.stringify({ id, resumed: true })}\n`);
  else out.printer.line(`execution ${id} resumed`);
  return EXIT_OK;
}
