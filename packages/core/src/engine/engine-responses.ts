import { type Dialect, errorView } from '../dialects/dialect.js';
import type { ErrorEncoder } from '../errors/error-encoder.js';
import type { RestBatchError } from '../errors/restbatch-error.js';
import type { BatchResult, Headers } from '../model/canonical.js';
import type { CompiledApi, CompiledEndpoint } from './compiled-api.js';
import type { EngineResponse } from './engine-types.js';
import { isJsonMediaType } from './serialize-response.js';

/** The response header that carries every batch's summary. */
export const SUMMARY_HEADER = 'restbatch-summary';

/** `restbatch-summary: succeeded=3, failed=1, skipped=0`. */
export function summaryHeader(result: BatchResult): Headers {
  const s = result.summary;
  return { [SUMMARY_HEADER]: `succeeded=${s.succeeded}, failed=${s.failed}, skipped=${s.skipped}` };
}

/**
 * A whole-request error in the error shape of the dialect at the endpoint (or of the API); a batch
 * refused whole also carries the headers its dialect answers to `requestHeaders` (when known), and
 * a refused ordinary call the API's `callHeaders`.
 */
export function errorResponse(
  api: CompiledApi,
  endpoint: CompiledEndpoint | undefined,
  error: RestBatchError,
  requestHeaders?: Readonly<Headers>,
): EngineResponse {
  const encoder: ErrorEncoder = endpoint?.dialect ?? api.errors;
  const message = error.expose ? error.message : 'Internal server error';
  const dialect = endpoint?.dialect;
  const extra =
    requestHeaders === undefined
      ? undefined
      : dialect === undefined
        ? api.errors.callHeaders?.(requestHeaders)
        : dialectHeaders(dialect, requestHeaders, true);
  return {
    status: error.status,
    headers: withContentType(extra === undefined ? { ...error.headers } : { ...extra, ...error.headers }, encoder),
    body: encoder.encodeError({ ...errorView(error, null, error.correlationId), message }),
    kind: endpoint === undefined ? 'call' : 'batch',
  };
}

/**
 * The headers `dialect` puts on an answer to a request with `requestHeaders`: on a batch refused
 * whole (`refusal`), its `answerHeaders` and then its `errorHeaders` on top; on the head of a
 * streamed answer, its `answerHeaders` (a dialect without them: its `errorHeaders`, as before
 * `answerHeaders` existed).
 */
export function dialectHeaders(dialect: Dialect, requestHeaders: Readonly<Headers>, refusal: boolean): Headers {
  if (refusal) return { ...dialect.answerHeaders?.(requestHeaders), ...dialect.errorHeaders?.(requestHeaders) };
  return (dialect.answerHeaders ?? dialect.errorHeaders)?.(requestHeaders) ?? {};
}

/**
 * The headers of an ordinary call's answer: the API's `callHeaders` (OData's `OData-Version`), then
 * the handler's own on top, except a content type that names no JSON media type (the answer's body
 * is JSON). An answer without content (`content` false: a 204) gets no content type, as the
 * executor gives a handler's none (RFC 9110 §8.3, §15.3.5): every transport then carries the same
 * headers, not only HTTP, which writes none without a body. `headers` itself when the API has none.
 */
export function withCallHeaders(encoder: ErrorEncoder, requestHeaders: Readonly<Headers>, headers: Headers, content: boolean): Headers {
  const own = encoder.callHeaders?.(requestHeaders);
  if (own === undefined) return headers;
  const merged = { ...own, ...headers };
  if (!content) delete merged['content-type'];
  else if (own['content-type'] !== undefined && !isJsonMediaType(headers['content-type'])) merged['content-type'] = own['content-type'];
  return merged;
}

/**
 * Adds the encoder's media type (problem details have their own) and the language of its messages
 * (OData's `Content-Language`, Protocol §9.4) to an error answer's headers.
 */
export function withContentType(headers: Headers, encoder: ErrorEncoder): Headers {
  if (encoder.errorContentType !== undefined) headers['content-type'] = encoder.errorContentType;
  if (encoder.errorLanguage !== undefined) headers['content-language'] = encoder.errorLanguage;
  return headers;
}

/** An error for a path no API serves: no dialect applies, so a neutral shape. */
export function plainError(error: RestBatchError): EngineResponse {
  return { status: error.status, headers: {}, body: { error: { code: error.code, message: error.message } }, kind: 'call' };
}
