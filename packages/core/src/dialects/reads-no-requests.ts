import type { Dialect } from './dialect.js';

/**
 * Says of `dialect` that its encoders read no sub-request (`encoderReadsRequests` false), as a
 * property a spread does not copy: a dialect made by spreading it (`{...exagoDialect, encode}`) may
 * read `context.requests` in encoders of its own, so it keeps every sub-request unless it says
 * false itself (it did before the field existed, and must go on working).
 */
export function readsNoRequests(dialect: Dialect): Dialect {
  return Object.defineProperty(dialect, 'encoderReadsRequests', { value: false, enumerable: false });
}
