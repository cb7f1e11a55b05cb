/** Which paused approval a review decides, and whether the review fits it (comment required, inputs). */

import type { Registry } from '../../plugins/registry.js';
import { InputValidationError, TernError } from '../../protocol/errors.js';
import { type Flow, findTask, type Input } from '../../protocol/flow.js';
import type { Review } from '../../protocol/plugin.js';
import { resolveInputs } from './inputs.js';

/** A reviewer's decision as asked for through the API or the CLI. */
export interface ReviewRequest {
  decision: 'APPROVED' | 'DENIED';
  comment?: string;
  /** The approval's task run; may be left out when one approval only is paused. */
  taskRunId?: string;
  /** Values for the approval's `inputs`, checked as flow inputs are. */
  inputs?: Record<string, unknown>;
  by?: string;
}

/** The task run a review decides, its checked inputs and the decision to hand it. */
export interface ReviewTarget {
  taskRunId: string;
  inputs: Record<string, unknown>;
  review: Review;
}

const COMMENT_NEEDED: Record<string, readonly string[]> = {
  ALWAYS: ['APPROVED', 'DENIED'],
  ON_APPROVE: ['APPROVED'],
  ON_DENY: ['DENIED'],
};

/**
 * Finds the paused approval a review is for and checks the review against
 * it: CONFLICT when no approval (or not this one) is paused, or when several
 * are and none is named; InputValidationError for a missing comment or bad inputs.
 *
 * @example reviewTarget(flow, registry, paused, { decision: 'APPROVED' }, now)
 */
export function reviewTarget(
  flow: Flow,
  registry: Registry,
  paused: readonly { id: string; taskId: string }[],
  request: ReviewRequest,
  on: string,
): ReviewTarget {
  const approvals = paused.flatMap((tr) => {
    const task = findTask([flow.tasks, flow.errors, flow.finally], tr.taskId);
    const type = typeof task?.type === 'string' ? registry.task(task.type)?.type : undefined;
    return task && type === 'approval' ? [{ ...tr, task }] : [];
  });
  const named = request.taskRunId;
  const target = named
    ? approvals.find((a) => a.id === named)
    : approvals.length === 1
      ? approvals[0]
      : undefined;
  if (!target) {
    const listed = approvals.map((a) => `${a.taskId} (${a.id})`).join(', ');
    throw new TernError(
      'CONFLICT',
      named
        ? `task run ${named} is not a paused approval${listed ? ` (paused: ${listed})` : ''}`
        : approvals.length === 0
          ? 'no approval is paused'
          : `several approvals are paused, name one with its task run id: ${listed}`,
    );
  }
  const needed = COMMENT_NEEDED[String(target.task.commentRequired ?? 'NEVER')] ?? [];
  if (needed.includes(request.decision) && !request.comment?.trim())
    throw new InputValidationError([
      {
        path: `${target.taskId}.comment`,
        message: `a comment is required to ${request.decision === 'APPROVED' ? 'approve' : 'deny'} (commentRequired: ${String(target.task.commentRequired)})`,
      },
    ]);
  const declared = (Array.isArray(target.task.inputs) ? target.task.inputs : []) as Input[];
  const given = request.inputs ?? {};
  const unknown = Object.keys(given).filter((name) => !declared.some((input) => input.id === name));
  if (unknown.length > 0)
    throw new InputValidationError(
      unknown.map((name) => ({
        path: `${target.taskId}.inputs.${name}`,
        message: `the approval takes no such input (declared: ${declared.map((i) => i.id).join(', ') || 'none'})`,
      })),
    );
  const review: Review = { decision: request.decision, on };
  if (request.comment !== undefined) review.comment = request.comment;
  if (request.by !== undefined) review.by = request.by;
  return { taskRunId: target.id, inputs: resolveInputs(declared, given), review };
}
