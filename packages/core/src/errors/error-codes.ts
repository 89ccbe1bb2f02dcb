/**
 * Every error restbatch can produce, with the HTTP status it maps to.
 * `docs/errors.md` lists the same codes; a test keeps the two in sync.
 */
export const ERROR_STATUS = {
  BATCH_MALFORMED: 400,
  BATCH_EMPTY: 400,
  BATCH_TOO_MANY_REQUESTS: 400,
  BATCH_RULE_VIOLATION: 400,
  BATCH_NESTED: 400,
  JSON_MALFORMED: 400,
  JSON_TOO_DEEP: 400,
  STRING_TOO_LONG: 400,
  HEADERS_TOO_LARGE: 431,
  VALIDATION_FAILED: 400,
  INVALID_PATH: 400,
  INVALID_HEADER: 400,
  CONFIG_UNKNOWN: 400,
  REFERENCE_INVALID: 400,
  SESSION_REQUIRED: 401,
  SESSION_NOT_FOUND: 401,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_BATCHABLE: 403,
  ROUTE_NOT_FOUND: 404,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  REFERENCES_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_MISMATCH: 422,
  IDEMPOTENCY_NOT_STORED: 422,
  DEPENDENCY_FAILED: 424,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  SKIPPED: 424,
  ROLLED_BACK: 424,
  STORE_UNAVAILABLE: 503,
  SESSION_LIMIT: 503,
  RECORD_LIMIT: 503,
  SHUTTING_DOWN: 503,
  RESULTS_TOO_LARGE: 507,
  TIMEOUT: 504,
  ABORTED: 499,
} as const;

/** A stable, machine-readable error code. */
export type ErrorCode = keyof typeof ERROR_STATUS;

/** All error codes, in the order of the table. */
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/** The HTTP status that an error code maps to. */
export function statusOf(code: ErrorCode): number {
  return ERROR_STATUS[code];
}
