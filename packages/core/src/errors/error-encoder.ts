import type { ErrorView } from '../dialects/dialect.js';

/**
 * How an API shapes the error bodies of its ordinary calls and rejected requests: any dialect is
 * one, and so is {@link problemDetails}.
 */
export interface ErrorEncoder {
  /** The error body. */
  encodeError(error: ErrorView): unknown;
  /** The media type of the body (default `application/json`). */
  readonly errorContentType?: string;
}
