/** `tern executions approve|deny ID [--comment] [--task-run] [--input k=v]`: decides a paused approval on the hub. */
import { type ApiClient, enc } from '../client.js';
import { EXIT_OK } from '../errors.js';
import type { Output } from './remote.js';
import { parseInputs } from './run.js';

export interface ReviewFlags {
  comment?: string;
  taskRun?: string;
  input: string[];
}

/**
 * Asks the hub to approve or deny the execution's paused approval; the hub
 * checks the comment and inputs and answers with every problem (exit 1).
 */
export async function executionsReview(
  client: ApiClient,
  out: Output,
  id: string,
  decision: 'APPROVED' | 'DENIED',
  flags: ReviewFlags,
): Promise<number> {
  const body: Record<string, unknown> = { decision };
  if (flags.comment !== undefined) body.comment = flags.comment;
  if (flags.taskRun !== undefined) body.taskRunId = flags.taskRun;
  if (flags.input.length > 0) body.inputs = parseInputs(flags.input);
  await client.request('POST', `/executions/${enc(id)}/review`, { json: body });
  if (out.json) process.stdout.write(`${JSON.stringify({ id, decision })}\n`);
  else out.printer.line(`execution ${id} ${decision === 'APPROVED' ? 'approved' : 'denied'}`);
  return EXIT_OK;
}
