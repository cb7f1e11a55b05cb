/** Reads a request body by its media type: JSON (parsed, with the position of a syntax error), YAML text, or form fields. */
import type { Context } from 'hono';
import { type ParseError, parseTree } from 'jsonc-parser';
import { TernError } from '../../protocol/errors.js';
import { MAX_JSON_DEPTH, tooDeep } from '../../protocol/json-depth.js';

/** Media types accepted for YAML documents (there is no single registered one). */
export const YAML_TYPES = ['application/x-yaml', 'application/yaml', 'text/yaml', 'text/x-yaml'] as const;
export const FORM_TYPES = ['multipart/form-data', 'application/x-www-form-urlencoded'] as const;

/** Which kinds of body a route accepts. */
export interface BodyKinds {
  json: boolean;
  yaml: boolean;
  form: boolean;
  /** Anything at all, left unread for the handler (webhooks). */
  raw: boolean;
}

export type FormFields = Record<string, string | File | (string | File)[]>;

/** A body as the handler receives it. JSON values are validated against the route's schema first. */
export type RequestBody<J> =
  | { kind: 'none' }
  | { kind: 'json'; value: J }
  | { kind: 'yaml'; text: string }
  | { kind: 'form'; fields: FormFields }
  | { kind: 'raw' };

/** The media type without parameters, lower-cased; '' when absent. */
export function mediaType(c: Context): string {
  return (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

const isJsonType = (type: string): boolean => type === 'application/json' || type.endsWith('+json');

/** Line and column (1-based) of a character offset. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** Offset of the first syntax error in JSON text (JSON.parse's messages do not always carry one). */
function errorOffset(text: string): number | undefined {
  const errors: ParseError[] = [];
  parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  return errors[0]?.offset;
}

/**
 * Parses JSON text, turning a syntax error, or nesting deeper than {@link MAX_JSON_DEPTH}, into
 * a 400 that says where.
 *
 * @example parseJsonBody('{"a":}') // throws TernError BAD_REQUEST, details [{ line: 1, column: 6, … }]
 */
export function parseJsonBody(text: string): unknown {
  const deep = tooDeep(text);
  if (deep !== undefined) {
    const at = positionOf(text, deep);
    const message = `nested more than ${MAX_JSON_DEPTH} levels deep`;
    throw new TernError(
      'BAD_REQUEST',
      `the JSON body is ${message} at line ${at.line}, column ${at.column}`,
      [{ in: 'body', path: '', message, ...at }],
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const offset = errorOffset(text);
    const at = offset === undefined ? undefined : positionOf(text, offset);
    const where = at ? ` at line ${at.line}, column ${at.column}` : '';
    throw new TernError('BAD_REQUEST', `malformed JSON body${where}: ${message}`, [
      { in: 'body', path: '', message, ...at },
    ]);
  }
}

function accepted(kinds: BodyKinds): string {
  return [
    kinds.json ? 'application/json' : undefined,
    kinds.yaml ? YAML_TYPES.join(', ') : undefined,
    kinds.form ? FORM_TYPES.join(', ') : undefined,
  ]
    .filter(Boolean)
    .join(', ');
}

/**
 * Reads the body of `c` as one of the accepted kinds. An empty body is `none`
 * (a 400 when `required`); an unaccepted media type is a 400 naming the accepted ones.
 */
export async function readBody(
  c: Context,
  kinds: BodyKinds,
  required: boolean,
): Promise<RequestBody<unknown>> {
  if (kinds.raw) return { kind: 'raw' };
  const type = mediaType(c);
  const form = (FORM_TYPES as readonly string[]).includes(type);
  if (form && kinds.form) return { kind: 'form', fields: await readForm(c) };
  const text = form ? '' : await c.req.text();
  if (text.trim() === '' && !form) {
    if (required)
      throw new TernError('BAD_REQUEST', 'the request body is required', [bodyProblem('is required')]);
    return { kind: 'none' };
  }
  if (kinds.json && (isJsonType(type) || (type === '' && !kinds.yaml))) {
    return { kind: 'json', value: parseJsonBody(text) };
  }
  if (
    kinds.yaml &&
    ((YAML_TYPES as readonly string[]).includes(type) || type === 'text/plain' || type === '')
  ) {
    return { kind: 'yaml', text };
  }
  const named = type === '' ? 'a body without Content-Type' : `Content-Type '${type}'`;
  throw new TernError('BAD_REQUEST', `${named} is not accepted here; send ${accepted(kinds)}`, [
    { in: 'header', path: 'content-type', message: `expected ${accepted(kinds)}` },
  ]);
}

async function readForm(c: Context): Promise<FormFields> {
  try {
    return (await c.req.parseBody({ all: true })) as FormFields;
  } catch (err) {
    throw new TernError('BAD_REQUEST', `malformed form body: ${(err as Error).message}`, [
      bodyProblem((err as Error).message),
    ]);
  }
}

const bodyProblem = (message: string) => ({ in: 'body', path: '', message });
