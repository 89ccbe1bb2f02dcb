import type { ErrorView } from '../dialects/dialect.js';
import type { ErrorEncoder } from './error-encoder.js';
import { STATUS_TEXT } from './status-text.js';

/** The media type of an RFC 9457 problem details body. */
export const PROBLEM_JSON = 'application/problem+json';

/** An RFC 9457 problem details body, with restbatch's code and details as extension members. */
export interface ProblemDetails {
  /** `about:blank` (the default), or the `typeBase` option followed by the code. */
  type: string;
  /** The status's reason phrase with `about:blank`, otherwise the code. */
  title: string;
  status: number;
  /** The error's client-safe message. */
  detail: string;
  /** The stable restbatch (or app) error code. */
  code: string;
  details?: unknown;
  correlationId?: string;
  /** Only when the API allows error details for the caller. */
  stack?: string;
}

/** Options of {@link problemDetailsEncoder}. */
export interface ProblemDetailsOptions {
  /** A URI prefix for `type` (`https://example.com/problems/` gives `.../OUT_OF_STOCK`); default `about:blank`. */
  typeBase?: string;
}

/** The JSON Schema of an RFC 9457 problem-details body as restbatch writes it. */
const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    details: {},
    correlationId: { type: 'string' },
    stack: { type: 'string' },
  },
};

/** Builds an RFC 9457 error encoder (`application/problem+json`). */
export function problemDetailsEncoder(options: ProblemDetailsOptions = {}): ErrorEncoder {
  const base = options.typeBase;
  return {
    errorContentType: PROBLEM_JSON,
    name: 'problem',
    openapi: { error: () => PROBLEM_SCHEMA },
    encodeError(error: ErrorView): ProblemDetails {
      const body: ProblemDetails = {
        type: base === undefined ? 'about:blank' : `${base}${error.code}`,
        title: base === undefined ? (STATUS_TEXT[error.status] ?? 'Error') : error.code,
        status: error.status,
        detail: error.message,
        code: error.code,
      };
      if (error.details !== undefined) body.details = error.details;
      if (error.correlationId !== undefined) body.correlationId = error.correlationId;
      if (error.stack !== null) body.stack = error.stack;
      return body;
    },
  };
}

/**
 * RFC 9457 problem details, `application/problem+json`: the default error shape of an API that has
 * no batch endpoint and names no `errors` dialect; name it as `errors` to choose it explicitly.
 */
export const problemDetails: ErrorEncoder = problemDetailsEncoder();
