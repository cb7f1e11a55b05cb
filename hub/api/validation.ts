/** Edge validation with ajv: request parameters, query strings and JSON bodies, each problem naming its field. */
import type { TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { TernError } from '../../protocol/errors.js';
import { NO_NUL_PATTERN } from './schemas.js';

/** Where a value came from, as problems name it. */
export type Location = 'path' | 'query' | 'body';

/** One thing wrong with a request, in the `details` of a 400. */
export interface RequestProblem {
  in: Location;
  /** Field path, e.g. `limit` or `labels.site`; empty for the whole body. */
  path: string;
  message: string;
}

function strictAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    strict: true,
    allErrors: true,
    useDefaults: true,
    // Path and query values arrive as strings; `array` also wraps a single value given for a list.
    coerceTypes: coerce ? 'array' : false,
  });
  addFormats.default(ajv);
  return ajv;
}

// JSON bodies keep their types: `"5"` is not a number there.
const bodyAjv = strictAjv(false);
const textAjv = strictAjv(true);

/** A compiled check of one part of a request. */
export type Check = (value: unknown) => RequestProblem[];

/**
 * Compiles `schema` for values found `where`. Path and query values are coerced from strings.
 *
 * @example compileCheck(T.Object({ limit: T.Integer() }), 'query')({ limit: 'x' })
 * // [{ in: 'query', path: 'limit', message: "query parameter 'limit' must be integer" }]
 */
export function compileCheck(schema: TSchema, where: Location): Check {
  const validate: ValidateFunction = (where === 'body' ? bodyAjv : textAjv).compile(schema);
  return (value) => (validate(value) ? [] : explain(validate.errors ?? [], where));
}

const NO_NUL_MESSAGE = 'must not contain NUL (U+0000)';

/**
 * Problems for every path or query value holding NUL (U+0000). No text column
 * can store it, so no stored record can match such a value: refusing it here
 * keeps it from reaching (and failing) a database query.
 *
 * @example nulProblems({ q: 'a\0b' }, 'query') // [{ in: 'query', path: 'q', message: "query parameter 'q' must not contain NUL (U+0000)" }]
 */
export function nulProblems(values: Record<string, unknown>, where: 'path' | 'query'): RequestProblem[] {
  const out: RequestProblem[] = [];
  for (const [name, value] of Object.entries(values)) {
    const texts = Array.isArray(value) ? value : [value];
    if (texts.some((text) => typeof text === 'string' && text.includes('\0')))
      out.push({ in: where, path: name, message: `${NOUN[where]} '${name}' ${NO_NUL_MESSAGE}` });
  }
  return out;
}

/** Throws a 400 BAD_REQUEST listing `problems` when there are any. */
export function rejectProblems(problems: readonly RequestProblem[]): void {
  if (problems.length === 0) return;
  const message = problems.map((p) => p.message).join('; ');
  throw new TernError('BAD_REQUEST', message, problems);
}

const NOUN: Record<Location, string> = {
  path: 'path parameter',
  query: 'query parameter',
  body: 'body field',
};

function pathOf(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .join('.');
}

function explain(errors: readonly ErrorObject[], where: Location): RequestProblem[] {
  const out: RequestProblem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    // "must match then/else": the branch's own errors say what is wrong.
    if (error.keyword === 'if') continue;
    const base = pathOf(error.instancePath);
    const params = error.params as Record<string, unknown>;
    let path = base;
    let message: string;
    if (error.keyword === 'additionalProperties') {
      path = [base, String(params.additionalProperty)].filter(Boolean).join('.');
      message = `unknown ${NOUN[where]} '${path}'`;
    } else if (error.keyword === 'required') {
      path = [base, String(params.missingProperty)].filter(Boolean).join('.');
      message = `${NOUN[where]} '${path}' is required`;
    } else if (error.keyword === 'pattern' && params.pattern === NO_NUL_PATTERN) {
      message = `${path ? `${NOUN[where]} '${path}'` : 'the body'} ${NO_NUL_MESSAGE}`;
    } else {
      const allowed = Array.isArray(params.allowedValues) ? `: ${params.allowedValues.join(', ')}` : '';
      const subject = path ? `${NOUN[where]} '${path}'` : where === 'body' ? 'the body' : NOUN[where];
      message = `${subject} ${error.message ?? 'is invalid'}${allowed}`;
    }
    if (seen.has(message)) continue;
    seen.add(message);
    out.push({ in: where, path, message });
  }
  return out;
}
