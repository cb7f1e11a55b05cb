/** Turns a submitted flow (YAML text or a JSON object) into its stored source and a validated flow. */
import { stringify } from 'yaml';
import type { Registry } from '../../plugins/registry.js';
import { FlowValidationError, type Problem, TernError } from '../../protocol/errors.js';
import type { Flow } from '../../protocol/flow.js';
import type { Renderer } from '../../runtime/expr/index.js';
import { FLOW_LIMITS } from '../../runtime/flow-limits.js';
import { parseFlow } from '../../runtime/flow-loader.js';

/** A problem as the API reports it: always located (the document start when nothing nearer is known). */
export interface LocatedProblem extends Problem {
  line: number;
  column: number;
}

/** A flow as a request sends it: YAML text, or a JSON object. */
export type FlowSubmission = { kind: 'yaml'; text: string } | { kind: 'json'; value: unknown };

/** A submission checked: the source to store (YAML as sent, or the JSON object as YAML) and what is wrong with it. */
export interface CheckedFlow {
  source: string;
  /** Set when the flow is valid. */
  flow?: Flow;
  /** Every problem, each located in `source`; empty when the flow is valid. */
  problems: LocatedProblem[];
  /** True when the source is not readable YAML: the request is not a document. */
  malformed: boolean;
}

/** The error for a flow that is not there. */
export const flowNotFound = (namespace: string, id: string): TernError =>
  new TernError('NOT_FOUND', `no flow ${namespace}.${id}`);

const locate = (p: Problem): LocatedProblem => ({ ...p, line: p.line ?? 1, column: p.column ?? 1 });

/** Counts the values of a JSON document, stopping past `limit`. */
function countValues(value: unknown, limit: number): number {
  let count = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0 && count <= limit) {
    const next = pending.pop();
    count++;
    if (Array.isArray(next)) pending.push(...next);
    else if (typeof next === 'object' && next !== null)
      for (const [key, item] of Object.entries(next)) pending.push(key, item);
  }
  return count;
}

/**
 * Parses and validates a submitted flow; never throws. Synchronous and heavy for a large flow:
 * the hub runs it through a {@link FlowChecker}, which keeps large ones off its event loop.
 */
export function checkSubmission(
  submission: FlowSubmission,
  registry: Registry,
  renderer: Renderer,
): CheckedFlow {
  if (
    submission.kind === 'json' &&
    countValues(submission.value, FLOW_LIMITS.maxValues) > FLOW_LIMITS.maxValues
  ) {
    // Not written out as YAML: the text alone would be the attack.
    const message = `the flow is too large: more than ${FLOW_LIMITS.maxValues.toLocaleString('en')} values`;
    return { source: '', problems: [{ path: '', message, line: 1, column: 1 }], malformed: false };
  }
  const source = submission.kind === 'yaml' ? submission.text : stringify(submission.value);
  const { flow, problems, malformed } = parseFlow(source, registry, {
    checkExpression: (t) => renderer.check(t),
    saving: true,
  });
  return { source, ...(flow && { flow }), problems: problems.map(locate), malformed: malformed === true };
}

/**
 * The valid flow of a checked submission. Malformed YAML is a 400 (the request is not a
 * document); a document that is not a valid flow is a 422 listing every problem with its line and
 * column.
 */
export function acceptedFlow(checked: CheckedFlow): Flow {
  const { flow, problems } = checked;
  if (checked.malformed) {
    const first = problems[0];
    throw new TernError(
      'BAD_REQUEST',
      `malformed YAML body at line ${first?.line}, column ${first?.column}: ${first?.message}`,
      problems,
    );
  }
  if (!flow || problems.length > 0) {
    const error = new FlowValidationError(problems);
    throw new TernError('INVALID_FLOW', `the flow is not valid:\n${error.message}`, problems);
  }
  return flow;
}
