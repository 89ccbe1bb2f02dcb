import { checkErrorCodes } from './error-mapping.js';
import { RestBatchError, type RestBatchErrorOptions } from './restbatch-error.js';

/** An app's error codes, typed: pass `codes` to `createEngine`, raise errors with `error()`. */
export interface AppErrorCodes<T extends Readonly<Record<string, number>>> {
  /** The table for the engine's `codes` option. */
  readonly codes: T;
  /** A {@link RestBatchError} with one of the app's codes (a code not in the table does not compile). */
  error(code: keyof T & string, message: string, options?: Omit<RestBatchErrorOptions, 'status'>): RestBatchError;
}

/**
 * Declares an app's own error codes with their status, checked now (upper case, not built in,
 * 400-599): `const errors = defineErrorCodes({ OUT_OF_STOCK: 409 })`, then
 * `createEngine({ codes: errors.codes, ... })` and `throw errors.error('OUT_OF_STOCK', 'No stock left')`.
 */
export function defineErrorCodes<const T extends Readonly<Record<string, number>>>(codes: T): AppErrorCodes<T> {
  const table = checkErrorCodes(codes);
  return {
    codes,
    error: (code, message, options = {}) => new RestBatchError(code, message, { ...options, status: table[code] }),
  };
}
