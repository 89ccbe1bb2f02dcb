import type { Engine, EngineResponse } from '@restbatch/core';

/** One call through the direct transport. */
export interface DirectRequest {
  /** Outer method (default `POST`). */
  method?: string;
  /** Path with optional query: `/rest/batch?config=Sales`. */
  url: string;
  headers?: Record<string, string>;
  /** The body as a value; it is serialized, so the engine never sees the caller's objects. */
  body?: unknown;
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
 * Creates the function-call transport: the body is serialized to JSON text and the answer parsed
 * back, so results are exactly those of HTTP and WebSocket and no object is shared either way.
 */
export function createDirectCaller(engine: Engine): DirectCaller {
  return async (request) => {
    const text = request.body === undefined ? undefined : JSON.stringify(request.body);
    const response: EngineResponse = await engine.dispatch({
      method: request.method ?? 'POST',
      url: request.url,
      headers: text === undefined ? request.headers : { 'content-type': 'application/json', ...request.headers },
      body: text,
      signal: request.signal,
      transport: 'direct',
      onResult: request.onResult === undefined ? undefined : (item) => request.onResult!(JSON.parse(JSON.stringify(item))),
    });
    return {
      status: response.status,
      headers: { ...response.headers },
      body: response.body === undefined ? undefined : JSON.parse(JSON.stringify(response.body)),
    };
  };
}
