import { type Engine, type EngineResponse, JsonBody, snapshot } from '@restbatch/core';

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
  /** Called with each sub-result (in the dialect's item shape) as soon as it is final. */
  onResult?: (item: unknown) => void;
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
    // Copied now, as JSON would carry it: the caller changing its objects later cannot reach the engine.
    const json = request.body === undefined ? undefined : JsonBody.of(request.body, engine.limits.maxBodyBytes);
    // Bytes are copied so that the caller changing its buffer later cannot reach the engine.
    const raw = request.raw instanceof Uint8Array ? request.raw.slice() : request.raw;
    const response: EngineResponse = await engine.dispatch({
      method: request.method ?? 'POST',
      url: request.url,
      headers:
        raw !== undefined || json === undefined ? { ...request.headers } : { 'content-type': 'application/json', ...request.headers },
      body: raw ?? json,
      signal: request.signal,
      transport: 'direct',
      // Each item is copied for the caller, who may change it while the engine still reads the result
      // (references, the final answer); deeply frozen parts (a store's records) are shared.
      onResult: request.onResult === undefined ? undefined : (item) => request.onResult!(snapshot(item).value),
    });
    return {
      status: response.status,
      headers: { ...response.headers },
      // Already a copy: the engine answers with snapshots taken as each result settled (plain JSON
      // values no part of the engine keeps), in an envelope made for this answer.
      body: response.body,
    };
  };
}
