import { isBuiltInCode, RestBatchError, toRestBatchError } from './restbatch-error.js';
import { withCode } from './setup-error-codes.js';

/**
 * Turns a value a handler (or a hook) threw into a {@link RestBatchError}, or returns undefined to
 * leave it to restbatch (an unknown error becomes `INTERNAL`). It never sees a `RestBatchError`.
 */
export type ErrorMapper = (thrown: unknown) => RestBatchError | undefined;

/** An app's own error codes with their HTTP status: `{ OUT_OF_STOCK: 409 }`. */
export type ErrorCodeTable = Readonly<Record<string, number>>;

/** What an engine's error mapping is made of (both optional). */
export interface ErrorMappingOptions {
  errorMapper?: ErrorMapper;
  codes?: ErrorCodeTable;
}

const CODE = /^[A-Z][A-Z0-9_]*$/;

/**
 * Checks an app's error codes once, when the engine is created: upper-case names that are not
 * restbatch's own, each with an error status (400-599). Throws an `Error` naming the bad entry
 * (`error.code` `INVALID_ERROR_CODE`).
 */
export function checkErrorCodes(codes: ErrorCodeTable | undefined): ErrorCodeTable {
  const table: Record<string, number> = Object.create(null);
  for (const [code, status] of Object.entries(codes ?? {})) {
    if (!CODE.test(code))
      throw withCode(new Error(`Error code ${JSON.stringify(code)} must be upper case: letters, digits and _`), 'INVALID_ERROR_CODE');
    if (isBuiltInCode(code))
      throw withCode(new Error(`Error code ${code} is built in; its status cannot be changed`), 'INVALID_ERROR_CODE');
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw withCode(
        new Error(`Error code ${code} needs an error status (an integer from 400 to 599), not ${JSON.stringify(status)}`),
        'INVALID_ERROR_CODE',
      );
    }
    table[code] = status;
  }
  return Object.freeze(table);
}

/**
 * The one function of an engine that turns anything thrown into a {@link RestBatchError}: a
 * `RestBatchError` as it is, anything else through the app's mapper, then restbatch's defaults.
 * An app's code gets the status its table registers (unless the error was given one); an app's
 * code that has neither is a programming error and becomes `INTERNAL`, logged, never shown.
 */
export function createErrorMapping(options: ErrorMappingOptions): (thrown: unknown) => RestBatchError {
  const mapper = options.errorMapper;
  const codes = checkErrorCodes(options.codes);
  return (thrown) => {
    let error: RestBatchError;
    try {
      error = thrown instanceof RestBatchError ? thrown : (mapped(mapper, thrown) ?? toRestBatchError(thrown));
    } catch (failure) {
      // A thrown value that cannot even be asked what it is (a Proxy whose traps throw): only its own sub-request fails.
      return internal(
        new Error('The handler threw a value that cannot be read (reading its prototype or properties threw)', { cause: failure }),
      );
    }
    if (isBuiltInCode(error.code) || error.statusGiven) return error;
    const status = codes[error.code];
    if (status === undefined) {
      const reason = `Error code ${error.code} has no status: register it in the engine's codes option or give the error a status`;
      return internal(new Error(reason, { cause: error }));
    }
    const registered = new RestBatchError(error.code, error.message, {
      details: error.details,
      headers: error.headers,
      expose: error.expose,
      cause: error.cause,
      status,
    });
    registered.stack = error.stack;
    registered.correlationId = error.correlationId;
    return registered;
  };
}

function mapped(mapper: ErrorMapper | undefined, thrown: unknown): RestBatchError | undefined {
  if (mapper === undefined) return undefined;
  let result: unknown;
  try {
    result = mapper(thrown);
  } catch (failure) {
    return internal(new Error('The errorMapper threw', { cause: failure }));
  }
  if (result === undefined || result instanceof RestBatchError) return result;
  return internal(new TypeError(`The errorMapper returned ${typeof result}, not a RestBatchError or undefined`, { cause: thrown }));
}

function internal(cause: Error): RestBatchError {
  return new RestBatchError('INTERNAL', 'Internal server error', { cause, expose: false });
}
