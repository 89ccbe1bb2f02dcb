import {
  type Engine,
  type EngineResponse,
  headerSyntaxError,
  isRestBatchError,
  requestShapeError,
  type SubResult,
  shapeErrorUrl,
  snapshot,
} from '@restbatch/core';

/** One call through the direct transport. */
export interface DirectRequest {
  /** Outer method (default `POST`). */
  method?: string;
  /** Path with optional query: `/rest/batch?config=Sales`. */
  url: string;
  headers?: Record<string, string>;
  /** The body as a value; it is copied as JSON would carry it, so the engine never sees the caller's objects. */
  body?: unknown;
  /**
   * The body as wire text or bytes, sent as they are (instead of `body`): for text that is not
   * standard JSON, such as the single-quoted JSON of Exago's curl example. No Content-Type is added.
   */
  raw?: string | Uint8Array;
  signal?: AbortSignal;
  /**
   * Called with each sub-result (in the dialect's item shape) as soon as it is final; the item is
   * the caller's own. With {@link DirectRequest.itemsOfErrorsOnly}, a result without an error comes
   * as `result` instead (`item` is then undefined).
   */
  onResult?: (item: unknown, result?: DirectResult) => void;
  /**
   * With `onResult`: the caller takes every item as it streams and needs no final body (the answer's
   * `body` is undefined, except for a batch replayed under an Idempotency-Key, which streams nothing
   * and answers the kept body). Items that the batch no longer reads are then handed over without a copy.
   */
  streamOnly?: boolean;
  /**
   * With `onResult`: a sub-result without an error is handed as its {@link DirectResult} (status,
   * headers, body) and no item is made of it: for a caller that reads results, not the dialect's
   * items (the in-process client). A result with an error still comes as its item, as only the
   * dialect knows how its error body reads. The result is the caller's own, as an item is. Only
   * for a dialect whose `plainResults` names its `encodeResult` (Exago's, Guidewire's): any other
   * hands every result as its item, as without the option.
   */
  itemsOfErrorsOnly?: boolean;
}

/** A sub-result without an error, as {@link DirectRequest.itemsOfErrorsOnly} hands it: the caller's own. */
export interface DirectResult {
  readonly status: number;
  /** As the handler set them (none: an empty object, frozen when nothing in the batch reads the result any more). */
  readonly headers: Readonly<Record<string, string>>;
  /** The body as JSON would carry it (undefined: none). */
  readonly body: unknown;
}

/** The answer: status, headers and a body that shares nothing with the engine. */
export interface DirectResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Calls the engine in-process, as a client on the wire would. */
export type DirectCaller = (request: DirectRequest) => Promise<DirectResponse>;

/**
 * Creates the function-call transport: the body is copied exactly as a JSON round trip would make
 * it (its text is made only when the engine needs it), and the answer is made of the engine's
 * result snapshots, so results are those of HTTP and WebSocket and no object is shared either way.
 */
export function createDirectCaller(engine: Engine): DirectCaller {
  return async (request) => {
    // Typed callers cannot leave it out; a JavaScript caller can, and is answered, not thrown at (as dispatch answers it).
    const malformed = requestShapeError(request, true);
    if (malformed !== undefined) return toDirect(engine.errorResponse(shapeErrorUrl(request), malformed));
    // node:http refuses a header name that is not a token, or a value holding a control character
    // other than tab, before the
    // engine sees it; no parser has seen a direct call's: judged as a WebSocket message's are, before
    // the body is copied. Observed without them, as they are malformed (a WebSocket message's refusal
    // is observed with the upgrade request's headers only).
    const invalid = headerSyntaxError(request.headers);
    if (invalid !== undefined) {
      return toDirect(engine.refuse({ method: request.method ?? 'POST', url: request.url, headers: {}, transport: 'direct' }, invalid));
    }
    // Copied now, as JSON would carry it (a batch the dialect decodes in one pass: only what it keeps):
    // the caller changing its objects later cannot reach the engine.
    let json: ReturnType<Engine['prepareBody']>;
    try {
      json = request.body === undefined ? undefined : engine.prepareBody(request.url, request.headers, request.body);
    } catch (error) {
      // A value JSON cannot write (BODY_UNWRITABLE): answered as any refused request, in the shape of the endpoint's dialect.
      if (!isRestBatchError(error)) throw error;
      const { url, headers } = request;
      const method = request.method ?? 'POST';
      return toDirect(engine.refuse({ method, url, headers, transport: 'direct' }, error));
    }
    // Bytes are copied so that the caller changing its buffer later cannot reach the engine.
    const raw = request.raw instanceof Uint8Array ? request.raw.slice() : request.raw;
    // Taken out of the request: the reader the engine keeps while the batch runs holds no part of it.
    const onResult = request.onResult;
    const asResults = onResult !== undefined && request.itemsOfErrorsOnly === true;
    const response: EngineResponse = await engine.dispatch({
      method: request.method ?? 'POST',
      url: request.url,
      headers:
        raw !== undefined || json === undefined || namesContentType(request.headers)
          ? { ...request.headers }
          : { 'content-type': 'application/json', ...request.headers },
      body: raw ?? json,
      signal: request.signal,
      transport: 'direct',
      // An item is copied for the caller when the engine still reads the result after it went out
      // (references, the final answer), as the caller may change it; deeply frozen parts (a store's
      // records) are shared. An item nothing reads any more is the caller's as it is.
      onResult:
        onResult === undefined
          ? undefined
          : (item, result, kept) =>
              asResults && item === undefined ? onResult(undefined, resultFor(result, kept)) : onResult(kept ? snapshot(item).value : item),
      streamOnly: request.streamOnly === true,
      itemsOfErrorsOnly: asResults,
    });
    return toDirect(response);
  };
}

/**
 * Whether the caller named a Content-Type, in any case: the engine keeps the first of several
 * (as node:http does), so the default must not stand before the caller's own.
 */
function namesContentType(headers: Readonly<Record<string, unknown>> | undefined): boolean {
  if (headers === undefined) return false;
  for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-type') return true;
  return false;
}

/**
 * The engine's answer as the caller's own: its headers copied; the body is already a copy (the
 * engine answers with snapshots taken as each result settled, plain JSON values no part of the
 * engine keeps, in an envelope made for this answer).
 */
function toDirect(r: EngineResponse): DirectResponse {
  return { status: r.status, headers: { ...r.headers }, body: r.body };
}

/**
 * A result handed without its item (`itemsOfErrorsOnly`), as the caller's own: its body and headers
 * copied while the batch still reads it (deeply frozen parts shared), else as they are, in a new
 * object all the same (the engine still counts its own result in the summary).
 */
function resultFor(result: SubResult, kept: boolean): DirectResult {
  if (kept) return { status: result.status, headers: { ...result.headers }, body: snapshot(result.body).value };
  return { status: result.status, headers: result.headers, body: result.body };
}
