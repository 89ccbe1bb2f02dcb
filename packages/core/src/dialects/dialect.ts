import type { RestBatchError } from '../errors/restbatch-error.js';
import type { ValueReader } from '../json/json-copy.js';
import type { DialectOpenApi } from './dialect-openapi.js';
import type { BatchRequest, BatchResult, BatchSummary, Headers, Query, SubRequest, SubResult } from '../model/canonical.js';

/** What a dialect's decoder may read of the outer request. */
export interface DecodeContext {
  /** The outer request's query parameters. */
  readonly query: Readonly<Query>;
  /** The outer request's headers (lower-case names). */
  readonly headers: Readonly<Headers>;
  /**
   * Most sub-requests this batch may hold (the endpoint's limit and the engine's, whichever is
   * lower). A decoder counts the items against it before it looks at any one of them.
   */
  readonly maxSubRequests: number;
  /**
   * The base path of the API the batch was sent to (`/rest/claim/v1`): sub-request URLs may start
   * with it. Undefined when a caller decodes outside an engine.
   */
  readonly base?: string;
  /**
   * The request said `RestBatch-References: none` (the engine judged the header): every string of
   * the batch is text as written, so a decoder writes no reference of its own (OData's ETag `$<id>`).
   */
  readonly referencesOff?: boolean;
}

/** What an encoder may read besides the results: the outer request and the decoded batch. */
export interface EncodeContext {
  /** The outer request's headers (lower-case names): a dialect may negotiate its answer's form. */
  readonly headers: Readonly<Headers>;
  /**
   * The decoded sub-requests; `requests[result.index]` is the request of a result. Empty where a
   * sub-request ran, for a dialect whose `encoderReadsRequests` is false.
   */
  readonly requests: readonly SubRequest[];
  /** The API's own error body (its `errors` dialect): items answer a failure as the same call alone would. */
  readonly encodeError: (error: ErrorView) => unknown;
  /**
   * The media type of {@link EncodeContext.encodeError}'s body, as the same call alone names it (the
   * API's `errors.errorContentType`: `application/problem+json` for problem details); undefined for
   * plain `application/json`.
   */
  readonly errorContentType?: string;
}

/** What an error encoder needs to shape an error body. */
export interface ErrorView {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
  /** A stack trace, only when error details are allowed; otherwise null. */
  readonly stack: string | null;
  readonly correlationId?: string;
}

/** A batch decoded by a dialect, plus what the dialect wants of the session. */
export interface DecodedBatch extends BatchRequest {
  /** `existing`: run in the session named by the batch's session parameter (opt-in dialects only). */
  session?: 'new' | 'existing';
}

/** The defaults a dialect brings; an engine's options can override each. */
export interface DialectDefaults {
  /** Most sub-requests in one batch. */
  maxSubRequests: number;
  /**
   * Outer headers not passed down to sub-requests, on top of the engine's rule: a vendor's own
   * per-operation headers (`GW-Checksum`). An outer precondition among them refuses the batch.
   */
  nonInheritedHeaders?: readonly string[];
  /**
   * Outer headers among `nonInheritedHeaders` that the vendor's contract says are simply not
   * inherited: dropped, never refused as an outer precondition. Guidewire: "The one exception to
   * this is the GW-Checksum header. This header is not inherited".
   */
  ignoredOuterHeaders?: readonly string[];
  /** Read the body as JSON whatever its Content-Type says (Exago's curl example sends a form type). */
  anyContentType?: boolean;
  /** Accept single-quoted strings, as the Exago server does. */
  singleQuotedJson?: boolean;
  /**
   * Answer a batch of no sub-requests (200, no items, a summary of zeros) instead of refusing it
   * with 400 `BATCH_EMPTY` (the default). OData says so: Protocol §11.7 "If the set of request
   * headers of a batch request are valid the service MUST return a 200 OK", and JSON §19.1 does
   * not forbid an empty `requests`.
   */
  allowEmpty?: boolean;
}

/**
 * A wire format: a pair of pure translations plus defaults. A dialect never executes anything;
 * adding one touches no other file but the registry of dialects.
 */
export interface Dialect {
  readonly name: string;
  readonly defaults: DialectDefaults;
  /**
   * Envelope -> canonical sub-requests; throws a `RestBatchError` to reject the whole batch. Checks
   * shapes only, in time linear in the input, and counts the items (`checkBatchSize`) before any
   * per-item work. Rules about which resource an item names are not the decoder's: the pre-pass
   * decides them on the matched route (see the API's `prechecks`).
   */
  decode(body: unknown, context: DecodeContext): DecodedBatch;
  /**
   * Optional: a one-pass {@link Dialect.decode} of a caller's own value, for in-process transports
   * (see {@link ValueDecoder}). Used only while `decode` is the one it names.
   */
  readonly valueDecoder?: ValueDecoder;
  /** Canonical results -> envelope. */
  encode(result: BatchResult, context?: EncodeContext): unknown;
  /** One result in the envelope's item shape, for streaming transports. */
  encodeResult(result: SubResult, context?: EncodeContext): unknown;
  /**
   * Optional: names the `encodeResult` of a built-in dialect whose item of a result without an
   * error holds the result's status, headers and body in that dialect's documented shape and
   * nothing else, so that a reader that knows the shape may take the result itself
   * (`EngineRequest.itemsOfErrorsOnly`, which the typed client's direct transport asks for).
   * Honoured only while `encodeResult` is the one it names: a dialect spread from Exago with an
   * `encodeResult` of its own gets its items made as always.
   */
  readonly plainResults?: Dialect['encodeResult'];
  /**
   * The envelope of items that `encodeResult` made one by one, in request order: what `encode`
   * answers for the same results. A dialect that has it lets a large batch keep each result as its
   * item once it is final (the answer is then not made of every result at the end), which holds
   * less memory through the batch for young-generation GC to copy.
   */
  encodeItems?(items: unknown[], summary: BatchSummary): unknown;
  /** The dialect's error body, for a rejected batch and for ordinary calls of its API. */
  encodeError(error: ErrorView): unknown;
  /** The language of its error messages, sent as `Content-Language` (see `ErrorEncoder.errorLanguage`). */
  readonly errorLanguage?: string;
  /**
   * Whether `encode`, `encodeResult` and `headers` read {@link EncodeContext.requests} (default
   * true). A dialect whose encoders do not says false: the executor then lets go of each decoded
   * sub-request once it ran, so that a large batch does not hold every one (with its path) until
   * its answer, which young-generation GC would copy again and again.
   */
  readonly encoderReadsRequests?: boolean;
  /** Response headers the dialect adds to a batch answer. */
  headers?(result: BatchResult, context?: EncodeContext): Headers;
  /**
   * Response headers the dialect puts on every answer to a request with these headers (names in
   * lower case): a batch refused whole, whoever refused it (the dialect, the engine's checks, a
   * limit, a transport), and the head of a streamed answer, which a transport writes before the
   * engine's answer exists (see `Engine.streamHeaders`). OData's `OData-Version` is one.
   */
  answerHeaders?(requestHeaders: Readonly<Headers>): Headers;
  /**
   * Response headers the dialect adds to a batch refused whole only, on top of
   * {@link Dialect.answerHeaders}. A dialect without `answerHeaders` also gets these as the head
   * of a streamed answer, as before `answerHeaders` existed.
   */
  errorHeaders?(requestHeaders: Readonly<Headers>): Headers;
  /**
   * Headers on every answer to an ordinary call of an API whose errors the dialect encodes (see
   * `ErrorEncoder.callHeaders`); never on a batch endpoint's answers, which have the hooks above.
   */
  callHeaders?(requestHeaders: Readonly<Headers>): Headers;
  /** How the envelope is described in OpenAPI documents; a dialect without it gets a generic one. */
  readonly openapi?: DialectOpenApi;
}

/**
 * {@link Dialect.decode} of a caller's own value, for in-process transports (see
 * `Engine.prepareBody`), in one pass and without copying the envelope.
 */
export interface ValueDecoder {
  /**
   * The `decode` it stands for: the engine uses the value decoder only while the dialect's `decode`
   * is this very function, so a dialect made by spreading another and replacing `decode` does not
   * inherit a fast path that would skip its own decoder.
   */
  readonly decode: Dialect['decode'];
  /**
   * Reads `body` through `reader`: every object and array of the envelope with `reader.object` /
   * `reader.array`, every member's key with `reader.key` (skipping members JSON would drop: undefined,
   * functions, symbols), and takes every value it reads or keeps with `reader.copy`, so that nothing
   * of the decoded batch is the caller's and every byte of the JSON text is counted. It must decode
   * exactly what `decode` makes of `JSON.parse(JSON.stringify(body))`; when it throws (anything, for
   * any reason) the engine copies the body and runs `decode` as it would have, so errors need not match.
   * The paths and bodies of the sub-requests it makes must be made of values read through
   * `reader.copy`, as they are (not percent-decoded), or of the dialect's own text without a `$`
   * (never of `context`): when no copied string holds a `$` and no query or header value of a
   * sub-request does, the engine skips the references pre-pass for the batch.
   */
  decodeValue(body: unknown, context: DecodeContext, reader: ValueReader): DecodedBatch;
}

/** Builds the {@link ErrorView} of an error. */
export function errorView(error: RestBatchError, stack: string | null, correlationId?: string): ErrorView {
  return {
    status: error.status,
    code: error.code,
    message: error.message,
    details: error.details,
    stack,
    correlationId: correlationId ?? error.correlationId,
  };
}
