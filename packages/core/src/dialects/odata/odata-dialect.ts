import type { BatchResult, BatchSummary, FailurePolicy, Headers, SubResult } from '../../model/canonical.js';
import type { DecodeContext, DecodedBatch, Dialect, ErrorView } from '../dialect.js';
import { decodeOdataBatch } from './decode-odata-batch.js';
import { odataOpenApi } from './odata-openapi.js';

/** Options of {@link odataDialect}. */
export interface OdataDialectOptions {
  /** Most requests of one batch (default 20, as Microsoft Graph). */
  maxSubRequests?: number;
}

/** One item of an OData JSON batch response. */
export interface OdataResponseItem {
  id: string;
  status: number;
  headers: Headers;
  body?: unknown;
}

/** An OData JSON batch response: the items in request order plus our summary annotation. */
export interface OdataBatchResponse {
  /** An OData instance annotation: clients that do not know it ignore it, as OData requires. */
  '@restbatch.summary': BatchSummary;
  responses: OdataResponseItem[];
}

/** An OData error body. */
export interface OdataErrorBody {
  error: { code: string; message: string; details?: unknown[]; innererror?: { correlationId?: string; stacktrace?: string } };
}

// `continue-on-error` (4.01), `odata.continue-on-error` (4.0), optionally `=true`; `=false` opts out.
const CONTINUE_ON_ERROR = /^(?:odata\.)?continue-on-error(?:\s*=\s*"?(true|false)"?)?$/i;

/** The batch's failure policy from the `Prefer` header: OData stops at the first failure unless asked not to. */
function failurePolicy(prefer: string | undefined): FailurePolicy {
  for (const part of (prefer ?? '').split(',')) {
    const match = CONTINUE_ON_ERROR.exec(part.split(';', 1)[0]!.trim());
    if (match !== null) return match[1]?.toLowerCase() === 'false' ? 'stop' : 'continue';
  }
  return 'stop';
}

function errorBody(view: Pick<ErrorView, 'code' | 'message' | 'details' | 'correlationId'> & { stack?: string | null }): OdataErrorBody {
  const error: OdataErrorBody['error'] = { code: view.code, message: view.message };
  if (view.details !== undefined) error.details = Array.isArray(view.details) ? view.details : [view.details];
  if (view.correlationId !== undefined || view.stack) {
    error.innererror = {};
    if (view.correlationId !== undefined) error.innererror.correlationId = view.correlationId;
    if (view.stack) error.innererror.stacktrace = view.stack;
  }
  return { error };
}

function encodeResult(result: SubResult): OdataResponseItem {
  const headers: Headers = {};
  for (const name of Object.keys(result.headers)) if (name !== 'content-type') headers[name] = result.headers[name] as string;
  const item: OdataResponseItem = { id: result.id ?? String(result.index), status: result.status, headers };
  const body = result.error !== undefined ? errorBody(result.error) : result.body;
  if (body !== undefined) {
    // Graph's BatchResponseContent parses a body as JSON only under this exact header name.
    headers['Content-Type'] = result.error === undefined ? (result.headers['content-type'] ?? 'application/json') : 'application/json';
    item.body = body;
  }
  return item;
}

/**
 * OData 4.01 JSON batch, as Microsoft Graph JSON batching speaks it: `POST <api>/$batch` with
 * `{"requests": [{id, method, url, headers, body, dependsOn, atomicityGroup}]}`, answered by
 * `{"@restbatch.summary": {succeeded, failed, skipped}, "responses": [{id, status, headers, body}]}`,
 * the responses in request order. Without `Prefer:
 * continue-on-error` the batch stops at the first failure; the rest answer 424 `SKIPPED`.
 */
export function odataDialect(options: OdataDialectOptions = {}): Dialect {
  return {
    name: 'odata',
    defaults: { maxSubRequests: options.maxSubRequests ?? 20 },

    decode(body: unknown, context: DecodeContext): DecodedBatch {
      return { requests: decodeOdataBatch(body, context.maxSubRequests), onFail: failurePolicy(context.headers.prefer) };
    },

    encode(result: BatchResult): OdataBatchResponse {
      const { succeeded, failed, skipped } = result.summary;
      // Annotations of an object come before its other members in OData JSON.
      return { '@restbatch.summary': { succeeded, failed, skipped }, responses: result.results.map(encodeResult) };
    },

    encodeResult,

    encodeError: errorBody,
    openapi: odataOpenApi,
  };
}
