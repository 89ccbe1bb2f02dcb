import { type ErrorCode, ERROR_STATUS } from './error-codes.js';

/** Options of a {@link RestBatchError}. */
export interface RestBatchErrorOptions {
  /** Structured details safe to show a client (JSON pointers, allowed methods, ...). */
  details?: unknown;
  /** Overrides the status of the code table (rarely needed). */
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
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;
  readonly headers: Record<string, string> | undefined;
  readonly expose: boolean;
  /** Set when the error was logged server-side; lets a client quote it to an operator. */
  correlationId: string | undefined;

  constructor(code: ErrorCode, message: string, options: RestBatchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RestBatchError';
    this.code = code;
    this.status = options.status ?? ERROR_STATUS[code];
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
