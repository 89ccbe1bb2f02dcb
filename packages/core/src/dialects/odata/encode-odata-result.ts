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
  error: {
    code: string;
    message: string;
    /** Entries with `code` and `message` (OData JSON §21.1 requires both of each entry). */
    details?: unknown[];
    /** Service-defined: the correlation id, the stack when the API shows it, and the engine's other details. */
    innererror?: { correlationId?: string; stacktrace?: string; details?: unknown[] };
  };
}

/** The OData error body of an error: the batch endpoint's own answer when it rejects a batch whole. */
export function odataErrorBody(
  view: Pick<ErrorView, 'code' | 'message' | 'details' | 'correlationId'> & { stack?: string | null },
): OdataErrorBody {
  const error: OdataErrorBody['error'] = { code: view.code, message: view.message };
  const details = view.details === undefined ? undefined : Array.isArray(view.details) ? view.details : [view.details];
  // §21.1: "details ... MUST be an array of JSON objects that MUST contain name/value pairs for code
  // and message": the engine's other details (a limit, an index) go to the service-defined innererror.
  const inner = details !== undefined && !details.every(isCodeAndMessage) ? details : undefined;
  if (details !== undefined && inner === undefined) error.details = details;
  if (view.correlationId !== undefined || view.stack || inner !== undefined) {
    error.innererror = {};
    if (view.correlationId !== undefined) error.innererror.correlationId = view.correlationId;
    if (view.stack) error.innererror.stacktrace = view.stack;
    if (inner !== undefined) error.innererror.details = inner;
  }
  return { error };
}

function isCodeAndMessage(detail: unknown): boolean {
  const d = detail as { code?: unknown; message?: unknown } | null;
  return d !== null && typeof d === 'object' && typeof d.code === 'string' && typeof d.message === 'string';
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
 * client `Content-Type` and `Content-Language` as Microsoft Graph spells them, since its JS client
 * reads `headers["Content-Type"]` exactly; other names are lower case for both (handlers' names are
 * kept so, see `reply`). A failed
 * one says the language of its message (`language`, Protocol §9.4), unless its handler named one.
 */
export function encodeOdataResult(result: SubResult, context: EncodeContext | undefined, language?: string): OdataResponseItem {
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
    // A failed one's body is the API's error body: for an OData client its media type is the one the
    // same call alone names (`application/problem+json` for problem details), Protocol §11.7
    // "evaluated according to the same semantics used when the request appears outside the context of
    // a batch". A Graph client gets `application/json`: its JS client hands `response.json()` the body
    // as JSON text only under exactly that type, and any other as `[object Object]`.
    headers[contentType] =
      result.error === undefined
        ? (result.headers['content-type'] ?? 'application/json')
        : ((odata ? context?.errorContentType : undefined) ?? 'application/json');
    item.body = body;
  }
  if (result.error !== undefined && language !== undefined && result.headers['content-language'] === undefined)
    headers[odata ? 'content-language' : 'Content-Language'] = language;
  return item;
}
