/** The API's single error handler: typed errors become a status and the body `{error: {code, message, details?}}`. */
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type ErrorCode, TernError } from '../../protocol/errors.js';
import type { Logger } from '../../protocol/logger.js';

/** The wire shape of every error the API answers with. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** Status of each error code a client can cause; anything else is the server's fault (500). */
const STATUS: Partial<Record<ErrorCode, ContentfulStatusCode>> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  INVALID_FLOW: 422,
  INVALID_INPUT: 422,
  INVALID_EXPRESSION: 422,
  UNDEFINED_VARIABLE: 422,
};

/** Error codes named after HTTP statuses, for `HTTPException`s raised by hono middleware. */
const CODE_OF_STATUS: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'TOO_MANY_REQUESTS',
};

/** HTTP status of a TernError code (500 for codes that mean a server-side failure). */
export function statusOf(code: ErrorCode): ContentfulStatusCode {
  return STATUS[code] ?? 500;
}

/** Builds an error body, leaving `details` out when there are none. */
export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details !== undefined && { details }) } };
}

/** Answers with an error body and the status of `code`. */
export function sendError(c: Context, code: ErrorCode, message: string, details?: unknown): Response {
  return c.json(errorBody(code, message, details), statusOf(code));
}

/**
 * The `app.onError` handler. Expected failures (TernError, HTTPException) keep
 * their status and message; anything else is logged and answered with a
 * generic 500, so no stack trace or internal message reaches a client.
 */
export function errorHandler(log: Logger): ErrorHandler {
  return (err, c) => {
    if (err instanceof TernError) {
      const status = statusOf(err.code);
      if (status < 500) return c.json(errorBody(err.code, err.message, err.details), status);
      log.error({ err, code: err.code, method: c.req.method, path: c.req.path }, 'request failed');
      return c.json(errorBody('INTERNAL', 'internal error'), 500);
    }
    if (err instanceof HTTPException) {
      const code = CODE_OF_STATUS[err.status] ?? (err.status >= 500 ? 'INTERNAL' : 'BAD_REQUEST');
      const message = err.message || err.getResponse().statusText || code.toLowerCase().replaceAll('_', ' ');
      return c.json(errorBody(code, message), err.status as ContentfulStatusCode);
    }
    log.error({ err, method: c.req.method, path: c.req.path }, 'request failed');
    return c.json(errorBody('INTERNAL', 'internal error'), 500);
  };
}

/** The `app.notFound` handler: unknown routes answer in the same shape as every other error. */
export const notFoundHandler: NotFoundHandler = (c) =>
  sendError(c, 'NOT_FOUND', `no route ${c.req.method} ${c.req.path}`);
