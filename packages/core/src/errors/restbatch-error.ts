import { type ErrorCode, ERROR_STATUS } from './error-codes.js';

/**
 * A built-in {@link ErrorCode} or an app's own code (`OUT_OF_STOCK`): an app's code gets its status
 * from the engine's `codes` option, or from the error's `status` option.
 */
export type AnyErrorCode = ErrorCode | (string & {});

/** Whether `code` is one of restbatch's own codes. */
export function isBuiltInCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_STATUS, code);
}

/** Options of a {@link RestBatchError}. */
export interface RestBatchErrorOptions {
  /** Structured details safe to show a client (JSON pointers, allowed methods, ...). */
  details?: unknown;
  /** Overrides the status of the code table (rarely needed; an app's unregistered code needs one). */
  status?: number;
  /** Response headers the error carries (`Allow`, `Retry-After`, ...). */
  headers?: Record<string, string>;
  /** Whether the message may reach a client; true for errors restbatch raises itself. */
  expose?: boolean;
  /** The underlying error. */
  cause?: unknown;
}

/** The one error class of restbatch: a stable code, an HTTP status and a client-safe message. */
export class RestBatchError extends Error {
  readonly code: AnyErrorCode;
  readonly status: number;
  /** Whether the status came from the options: an engine's `codes` table does not override it then. */
  readonly statusGiven: boolean;
  readonly details: unknown;
  readonly headers: Record<string, string> | undefined;
  readonly expose: boolean;
  /** Set when the error was logged server-side; lets a client quote it to an operator. */
  correlationId: string | undefined;

  constructor(code: AnyErrorCode, message: string, options: RestBatchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RestBatchError';
    this.code = code;
    this.statusGiven = options.status !== undefined;
    // An app's code without a status stays 500 until an engine's `codes` table gives it one.
    this.status = options.status ?? (isBuiltInCode(code) ? ERROR_STATUS[code] : 500);
    this.details = options.details;
    this.headers = options.headers;
    this.expose = options.expose ?? true;
  }
}

/** True when `value` is a {@link RestBatchError}. */
export function isRestBatchError(value: unknown): value is RestBatchError {
  return value instanceof RestBatchError;
}

/**
 * Turns anything thrown into a {@link RestBatchError}. Unknown errors become `INTERNAL` with a
 * generic message; the original stays in `cause` for the server's log, never for the client.
 * An engine applies its own `errorMapper` and `codes` on top of this (see `createErrorMapping`).
 */
export function toRestBatchError(error: unknown): RestBatchError {
  if (error instanceof RestBatchError) return error;
  if (error instanceof Error && error.name === 'AbortError') {
    return new RestBatchError('ABORTED', 'The request was aborted', { cause: error });
  }
  if (error instanceof Error && error.name === 'TimeoutError') {
    return new RestBatchError('TIMEOUT', 'The request timed out', { cause: error });
  }
  return new RestBatchError('INTERNAL', 'Internal server error', { cause: error, expose: false });
}
