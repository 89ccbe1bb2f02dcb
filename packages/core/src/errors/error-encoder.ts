import type { ErrorView } from '../dialects/dialect.js';
import type { JsonSchema } from '../dialects/dialect-openapi.js';

/**
 * How an API shapes the error bodies of its ordinary calls and rejected requests: any dialect is
 * one, and so is {@link problemDetails}.
 */
export interface ErrorEncoder {
  /** The error body. */
  encodeError(error: ErrorView): unknown;
  /** The media type of the body (default `application/json`). */
  readonly errorContentType?: string;
  /** A name for documents that describe the API (a dialect's name). */
  readonly name?: string;
  /** The error body's JSON Schema, for OpenAPI documents (a dialect's `openapi` has it too). */
  readonly openapi?: { error(): JsonSchema };
}
