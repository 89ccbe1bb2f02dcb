/**
 * The codes of the errors restbatch throws to the app for a mistake in its set-up or a misuse of
 * its API (never sent to a client: those are `RestBatchError`s, with `ERROR_CODES`). The error
 * keeps its class and message (a `RangeError` stays one); the code is on `error.code`, as Node's
 * own errors carry theirs. `docs/errors.md` ("When the engine is created") lists what each means.
 */
export const SETUP_ERROR_CODES = [
  'INVALID_OPTIONS',
  'INVALID_API',
  'INVALID_RESOURCE',
  'INVALID_ROUTE',
  'INVALID_SCHEMA',
  'INVALID_ERROR_CODE',
  'INVALID_ARGUMENT',
  'BODY_MISUSED',
  'ROUTE_CONFLICT',
  'ROUTE_REJECTED',
] as const;

/** One of {@link SETUP_ERROR_CODES}. */
export type SetupErrorCode = (typeof SETUP_ERROR_CODES)[number];

/**
 * `error` itself with `code` set on it (`throw withCode(new RangeError('...'), 'INVALID_OPTIONS')`):
 * its class, message and stack stay as they are, so `instanceof RangeError` and message checks
 * still hold.
 */
export function withCode<E extends Error, C extends SetupErrorCode>(error: E, code: C): E & { readonly code: C } {
  return Object.assign(error, { code });
}
