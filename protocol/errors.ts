/**
 * Error codes and the error types shared by every part of Tern. Each error has
 * a stable `code`, a message for people, and optional structured `details`.
 */

export const ERROR_CODES = [
  'INVALID_FLOW',
  'INVALID_INPUT',
  'INVALID_EXPRESSION',
  'UNDEFINED_VARIABLE',
  'TASK_FAILED',
  'TIMEOUT',
  'KILLED',
  'NOT_FOUND',
  'CONFLICT',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'BAD_REQUEST',
  'PAYLOAD_TOO_LARGE',
  'TOO_MANY_REQUESTS',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** A problem located in a document: where it is and what is wrong. */
export interface Problem {
  /** Path in the document, e.g. `tasks[2].retry.maxAttempts`. */
  path: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

/** Formats a problem as `file:line:column: path: message`. */
export function formatProblem(p: Problem): string {
  const where = [p.file, p.line, p.column].filter((x) => x !== undefined).join(':');
  const path = p.path ? `${p.path}: ` : '';
  return where ? `${where}: ${path}${p.message}` : `${path}${p.message}`;
}

export class TernError extends Error {
  override name = 'TernError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A flow document that cannot be used; every problem is listed. */
export class FlowValidationError extends TernError {
  override name = 'FlowValidationError';
  constructor(readonly problems: Problem[]) {
    super('INVALID_FLOW', problems.map(formatProblem).join('\n'), problems);
  }
}

/** Inputs that do not satisfy the flow's declarations; every problem is listed. */
export class InputValidationError extends TernError {
  override name = 'InputValidationError';
  constructor(readonly problems: Problem[]) {
    super('INVALID_INPUT', problems.map(formatProblem).join('\n'), problems);
  }
}

/** An expression that cannot be parsed or evaluated. */
export class ExpressionError extends TernError {
  override name = 'ExpressionError';
  constructor(
    readonly expression: string,
    message: string,
    code: ErrorCode = 'INVALID_EXPRESSION',
  ) {
    super(code, message, { expression });
  }
}

/**
 * Thrown by a task to fail its attempt. `retryable: false` fails the task at
 * once, whatever its retry policy.
 */
export class TaskError extends TernError {
  override name = 'TaskError';
  constructor(
    message: string,
    readonly retryable = true,
    options?: { cause?: unknown; details?: unknown },
  ) {
    super('TASK_FAILED', message, options?.details, options);
  }
}
