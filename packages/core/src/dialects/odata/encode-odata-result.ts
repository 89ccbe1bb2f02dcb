import type { Headers, SubResult } from '../../model/canonical.js';
import type { EncodeContext, ErrorView } from '../dialect.js';
import { isOdataClient } from './odata-preferences.js';

/** One item of an OData JSON batch response. */
export interface OdataResponseItem {
  id: string;
  /** Echoed from the request (§19.5: MUST be present with the same value). */
  atomicityGroup?: string;
  status: number;
  headers: Headers;
  body?: unknown;
}

/** An OData error body. */
export interface OdataErrorBody {
  error: { code: string; message: string; details?: unknown[]; innererror?: { correlationId?: string; stacktrace?: string } };
}

/** The OData error body of an error: the batch endpoint's own answer when it rejects a batch whole. */
export function odataErrorBody(
  view: Pick<ErrorView, 'code' | 'message' | 'details' | 'correlationId'> & { stack?: string | null },
): OdataErrorBody {
  const error: OdataErrorBody['error'] = { code: view.code, message: view.message };
  if (view.details !== undefined) error.details = Array.isArray(view.details) ? view.details : [view.details];
  if (view.correlationId !== undefined || view.stack) {
    error.innererror = {};
    if (view.correlationId !== undefined) error.innererror.correlationId = view.correlationId;
    if (view.stack) error.innererror.stacktrace = view.stack;
  }
  return { error };
}

function errorOf(result: SubResult, context: EncodeContext | undefined): unknown {
  const e = result.error!;
  const view: ErrorView = {
    status: result.status,
    code: e.code,
    message: e.message,
    details: e.details,
    stack: e.stack ?? null,
    correlationId: e.correlationId,
  };
  // One error shape per API: the body the same call made alone answers.
  return context === undefined ? odataErrorBody(view) : context.encodeError(view);
}

/**
 * One result as a response object. Header names follow the client: an OData client (its request
 * carries `OData-Version` or `OData-MaxVersion`) gets lower-case names (§19.5, MUST), any other
 * client Microsoft Graph's casing, whose JS client reads `headers["Content-Type"]` exactly.
 */
export function encodeOdataResult(result: SubResult, context: EncodeContext | undefined): OdataResponseItem {
  const odata = context !== undefined && isOdataClient(context.headers);
  const contentType = odata ? 'content-type' : 'Content-Type';
  const headers: Headers = {};
  for (const name of Object.keys(result.headers)) {
    if (name.toLowerCase() !== 'content-type') headers[odata ? name.toLowerCase() : name] = result.headers[name] as string;
  }
  const group = context?.requests[result.index]?.atomicityGroup;
  const id = result.id ?? String(result.index);
  const item: OdataResponseItem =
    group === undefined ? { id, status: result.status, headers } : { id, atomicityGroup: group, status: result.status, headers };
  const body = result.error !== undefined ? errorOf(result, context) : result.body;
  if (body !== undefined) {
    headers[contentType] = result.error === undefined ? (result.headers['content-type'] ?? 'application/json') : 'application/json';
    item.body = body;
  }
  return item;
}
