import { parseUrl } from '../../engine/parse-url.js';
import { RestBatchError } from '../../errors/restbatch-error.js';
import type { BatchResult, BatchSummary, Headers, SubRequest, SubResult } from '../../model/canonical.js';
import type { HttpMethod } from '../../model/http-method.js';
import type { DecodeContext, DecodedBatch, Dialect, ErrorView } from '../dialect.js';
import { notInherited } from '../not-inherited.js';
import { checkGuidewireEnvelope, type GuidewireSubRequest } from './check-guidewire-envelope.js';
import { guidewireOpenApi } from './guidewire-openapi.js';

/** Options of {@link guidewireDialect}. */
export interface GuidewireDialectOptions {
  /**
   * Outer headers sub-requests do not inherit, on top of the engine's `DEFAULT_NON_INHERITED`
   * (default `['GW-Checksum']`, the vendor's one exception). A list replaces the default: name
   * `GW-Checksum` in it to keep the vendor's rule; without it, every sub-request inherits an outer
   * `GW-Checksum`. An outer precondition that sub-requests do not inherit refuses the batch (400
   * `INVALID_HEADER`), except `GW-Checksum` itself, which the vendor defines as simply not
   * inherited ("The one exception to this is the GW-Checksum header"): the batch runs without it.
   */
  nonInheritedHeaders?: readonly string[];
  /** Most sub-requests of one batch (default 100, the vendor's MaximumAllowedNumberOfBatchSubRequests). */
  maxSubRequests?: number;
}

/** One item of a Guidewire batch response. */
export interface GuidewireResponseItem {
  status: number;
  headers: Headers;
  body?: unknown;
}

/** A Guidewire batch response: the items in request order, then the batch's summary. */
export interface GuidewireBatchResponse {
  responses: GuidewireResponseItem[];
  /** Our addition next to the vendor's `responses`; clients that do not know it ignore it. */
  summary: BatchSummary;
}

/** A Guidewire Cloud API error body. */
export interface GuidewireErrorBody {
  status: number;
  errorCode: string;
  userMessage: string;
  developerMessage: string;
  details: unknown[];
  correlationId?: string;
}

const NO_HEADERS: Headers = Object.freeze(Object.create(null));

function ownHeaders(list: GuidewireSubRequest['headers']): Headers {
  if (list === undefined || list.length === 0) return NO_HEADERS;
  const headers: Headers = Object.create(null);
  for (const { name, value } of list) {
    const key = name.toLowerCase();
    // A repeated header joins as HTTP does; the executor still checks every name and value.
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  return headers;
}

function decodeItem(item: GuidewireSubRequest, index: number): SubRequest {
  const method = item.method.toUpperCase() as HttpMethod;
  if (item.data !== undefined && item.body !== undefined) {
    throw new RestBatchError('BATCH_MALFORMED', `Invalid batch request: requests/${index} holds both data and body; send one`, {
      details: [{ index }],
    });
  }
  const payload = item.body ?? (item.data === undefined ? undefined : { data: item.data });
  if (payload !== undefined && (method === 'GET' || method === 'DELETE')) {
    throw new RestBatchError('BATCH_MALFORMED', `Invalid batch request: requests/${index} is a ${item.method} and takes no payload`, {
      details: [{ index }],
    });
  }
  const path = item.path.startsWith('/') ? item.path : `/${item.path}`;
  const url = item.query === undefined || item.query === '' ? path : `${path}?${item.query}`;
  const parsed = parseUrl(url);
  const sub: SubRequest = { index, method, path: parsed.path, query: parsed.query, headers: ownHeaders(item.headers) };
  // The handler gets what the same call made alone would carry: `{data: {attributes, checksum}}`.
  if (payload !== undefined) sub.body = payload;
  if (item.onFail === 'abort') sub.onFail = 'stop';
  return sub;
}

/** The vendor's error body for an error view. */
function errorBody(view: Pick<ErrorView, 'status' | 'code' | 'message' | 'details' | 'stack' | 'correlationId'>): GuidewireErrorBody {
  const details = view.details === undefined ? [] : Array.isArray(view.details) ? view.details : [view.details];
  const body: GuidewireErrorBody = {
    status: view.status,
    errorCode: view.code,
    userMessage: view.message,
    developerMessage: view.stack ?? view.message,
    details,
  };
  if (view.correlationId !== undefined) body.correlationId = view.correlationId;
  return body;
}

function encodeResult(result: SubResult): GuidewireResponseItem {
  const item: GuidewireResponseItem = { status: result.status, headers: { ...result.headers } };
  if (result.error !== undefined) {
    item.body = errorBody({ status: result.status, ...result.error, stack: result.error.stack ?? null });
  } else if (result.body !== undefined) {
    item.body = result.body;
  }
  return item;
}

/** The batch answer: the items in request order and the summary's three counts. */
function response(responses: GuidewireResponseItem[], summary: BatchSummary): GuidewireBatchResponse {
  const { succeeded, failed, skipped } = summary;
  return { responses, summary: { succeeded, failed, skipped } };
}

/**
 * Guidewire Cloud API's `POST /rest/<api>/v<N>/batch`: `{"requests": [{method, path, query, data,
 * headers, onFail}]}` answered by `{"responses": [{status, headers, body}], "summary": {succeeded,
 * failed, skipped}}`, the responses in request order. A
 * sub-request failing with `onFail: "abort"` skips the rest: each gets status 424 and errorCode
 * `SKIPPED`. Outer headers are inherited except `GW-Checksum` (see {@link GuidewireDialectOptions})
 * and the engine's non-inherited ones.
 */
export function guidewireDialect(options: GuidewireDialectOptions = {}): Dialect {
  return notInherited(
    {
      name: 'guidewire',
      defaults: {
        maxSubRequests: options.maxSubRequests ?? 100,
        nonInheritedHeaders: options.nonInheritedHeaders ?? ['GW-Checksum'],
        // The vendor's rule: an outer GW-Checksum is not inherited, and the batch runs (not refused as other outer preconditions are).
        ignoredOuterHeaders: ['GW-Checksum'],
      },

      decode(body: unknown, context: DecodeContext): DecodedBatch {
        const envelope = checkGuidewireEnvelope(body, context.maxSubRequests);
        return { requests: envelope.requests.map(decodeItem) };
      },

      encode(result: BatchResult): GuidewireBatchResponse {
        return response(result.results.map(encodeResult), result.summary);
      },

      encodeResult,
      plainResults: encodeResult,

      encodeError: errorBody,
      openapi: guidewireOpenApi,
    },
    {
      encoderReadsRequests: false,
      encodeItems: (items: unknown[], summary: BatchSummary) => response(items as GuidewireResponseItem[], summary),
    },
  );
}
