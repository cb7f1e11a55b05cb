/** Evaluation failures and their conversion to `ExpressionError`s that name the expression. */
import { closest, distance } from 'fastest-levenshtein';
import { ExpressionError } from '../../protocol/errors.js';

/**
 * A failure raised deep inside evaluation, where the expression text is not known yet. The
 * evaluator turns it into an `ExpressionError` naming the expression it happened in.
 */
export class EvalFailure extends Error {
  override name = 'EvalFailure';
  constructor(
    message: string,
    readonly code: 'INVALID_EXPRESSION' | 'UNDEFINED_VARIABLE' = 'INVALID_EXPRESSION',
    /** Said after the expression is named: "(did you mean 'upper'?)". */
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Throws an `EvalFailure`; reads well in expression position (`x ?? fail('…')`). */
export function fail(message: string): never {
  throw new EvalFailure(message);
}

/**
 * A variable or key that does not exist. It travels through the evaluation as a value so that
 * `default`, `??`, `is defined` and short-circuiting `and`/`or` can absorb it; whatever reaches
 * the end of an expression as `Missing` is an undefined-variable error.
 */
export class Missing {
  constructor(
    /** What was looked up, as written: `inputs.name`, `outputs.each['a-b']`. */
    readonly path: string,
    /** Why it is missing when not simply absent, e.g. "'inputs.x' is null". */
    readonly reason?: string,
    /** The keys that did exist where the lookup happened, for a "did you mean" hint. */
    readonly candidates?: readonly string[],
  ) {
    Object.freeze(this);
  }

  /** The error message for this missing value inside `expression`. */
  message(expression: string): string {
    return `undefined variable '${this.path}' in expression '${expression}'${this.hint()}`;
  }

  private hint(): string {
    if (this.reason) return ` (${this.reason})`;
    const name = lastSegment(this.path);
    if (!this.candidates?.length || !name) return '';
    const best = closest(name, this.candidates as string[]);
    if (distance(name, best) > tolerance(name)) return '';
    return ` (did you mean '${replaceLastSegment(this.path, best)}'?)`;
  }
}

/** How many edits a misspelling may be from the name it means (a swap of two letters is two). */
export function tolerance(name: string): number {
  return name.length <= 3 ? 1 : Math.max(2, Math.floor(name.length / 3));
}

function lastSegment(path: string): string | undefined {
  return /(?:^|\.)([A-Za-z_]\w*)$/.exec(path)?.[1];
}

function replaceLastSegment(path: string, name: string): string {
  return path.replace(/[A-Za-z_]\w*$/, name);
}

const MAX_SHOWN = 200;

/** Shortens long templates so that messages stay readable. */
export function shorten(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

/** Converts anything thrown while evaluating `expression` into an `ExpressionError` naming it. */
export function toExpressionError(error: unknown, expression: string): ExpressionError {
  if (error instanceof ExpressionError) return error;
  const shown = shorten(expression);
  if (error instanceof Missing)
    return new ExpressionError(expression, error.message(shown), 'UNDEFINED_VARIABLE');
  const code = error instanceof EvalFailure ? error.code : 'INVALID_EXPRESSION';
  const hint = error instanceof EvalFailure && error.hint ? ` ${error.hint}` : '';
  if (error instanceof RangeError)
    return new ExpressionError(expression, `expression nested too deeply in expression '${shown}'`);
  return new ExpressionError(expression, `${messageOf(error)} in expression '${shown}'${hint}`, code);
}

/** The message of anything thrown, Error or not. */
export function messageOf(error: unknown): string {
  if (error && typeof error === 'object' && 'message' in error && typeof error.message === 'string') {
    return error.message;
  }
  return String(error);
}
