/** Turns a submitted flow (YAML text or a JSON object) into its stored source and a validated flow. */
import { LineCounter, parseAllDocuments, stringify } from 'yaml';
import { parseFlow } from '../../agent/flow-loader.js';
import { FlowValidationError, type Problem, TernError } from '../../protocol/errors.js';
import type { Flow } from '../../protocol/flow.js';
import type { HubServices } from './services.js';

/** A problem as the API reports it: always located (the document start when nothing nearer is known). */
export interface LocatedProblem extends Problem {
  line: number;
  column: number;
}

/** The source text kept for a submission: YAML as sent, or a JSON object serialised as YAML. */
/** The error for a flow that is not there. */
export const flowNotFound = (namespace: string, id: string): TernError =>
  new TernError('NOT_FOUND', `no flow ${namespace}.${id}`);

export function sourceOf(body: { kind: 'yaml'; text: string } | { kind: 'json'; value: unknown }): string {
  return body.kind === 'yaml' ? body.text : stringify(body.value);
}

/** YAML syntax errors of `source`, each with its line and column; empty when it parses. */
export function syntaxProblems(source: string): LocatedProblem[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(source, { lineCounter: lines, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [];
  return list.flatMap((doc) =>
    doc.errors.map((e) => {
      const { line, col } = lines.linePos(e.pos[0]);
      return { path: '', message: e.message, line, column: col };
    }),
  );
}

const locate = (p: Problem): LocatedProblem => ({ ...p, line: p.line ?? 1, column: p.column ?? 1 });

/** Every problem of a flow document, syntax included; empty when the flow is valid. */
export function flowProblems(
  source: string,
  services: HubServices,
): { flow?: Flow; problems: LocatedProblem[] } {
  const { flow, problems } = parseFlow(source, services.registry, {
    checkExpression: (t) => services.renderer.check(t),
    saving: true,
  });
  return { ...(flow && { flow }), problems: problems.map(locate) };
}

/**
 * Parses and validates a submitted flow. Malformed YAML is a 400 (the request
 * is not a document); a document that is not a valid flow is a 422 listing
 * every problem with its line and column.
 */
export function checkedFlow(source: string, services: HubServices): Flow {
  const syntax = syntaxProblems(source);
  if (syntax.length > 0) {
    const first = syntax[0]!;
    throw new TernError(
      'BAD_REQUEST',
      `malformed YAML body at line ${first.line}, column ${first.column}: ${first.message}`,
      syntax,
    );
  }
  const { flow, problems } = flowProblems(source, services);
  if (!flow || problems.length > 0) {
    const error = new FlowValidationError(problems);
    throw new TernError('INVALID_FLOW', `the flow is not valid:\n${error.message}`, problems);
  }
  return flow;
}
