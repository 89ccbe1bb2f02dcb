import type { ErrorView } from '../dialects/dialect.js';
import type { JsonSchema } from '../dialects/dialect-openapi.js';
import type { Headers } from '../model/canonical.js';

/**
 * How an API shapes the error bodies of its ordinary calls and rejected requests: any dialect is
 * one, and so is {@link problemDetails}.
 */
export interface ErrorEncoder {
  /** The error body. */
  encodeError(error: ErrorView): unknown;
  /** The media type of the body (default `application/json`). */
  readonly errorContentType?: string;
  /**
   * The language its error messages are written in (an RFC 5646 tag such as `en`), sent as
   * `Content-Language` with every error answer it makes (OData Protocol §9.4 requires it); none by default.
   */
  readonly errorLanguage?: string;
  /**
   * Headers on every answer to an ordinary call of the API whose errors it encodes, a call refused
   * before its handler too (names in lower case). A handler's own header of the same name wins, but
   * a `content-type` given here replaces one that names no JSON media type (the answer is JSON).
   * OData's are `OData-Version` and the `Content-Type` that says how much metadata its JSON carries.
   */
  callHeaders?(requestHeaders: Readonly<Headers>): Headers;
  /** A name for documents that describe the API (a dialect's name). */
  readonly name?: string;
  /** The error body's JSON Schema, for OpenAPI documents (a dialect's `openapi` has it too). */
  readonly openapi?: { error(): JsonSchema };
}
